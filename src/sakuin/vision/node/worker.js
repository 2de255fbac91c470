// sakuin's detector worker: the COCO-80 CenterNet of @vladmandic/human on the tfjs wasm backend,
// kept alive by sakuin.vision.detector and spoken to in JSON lines over stdin/stdout.
//
// Request:  {"id": 1, "op": "detect", "width": W, "height": H, "rgb": "<base64 of W*H*3 bytes>",
//            "min_score": 0.2, "max_detected": 50}
// Reply:    {"id": 1, "ok": true, "objects": [{"label": "person", "score": 0.93,
//            "box": [x, y, width, height]}], "ms": 180}
// or        {"id": 1, "ok": false, "error": "..."}.  The first line written is {"ready": true, ...}.
//
// Gotchas of human 3.3 in Node 20 (see issue 16): its subpath exports are broken, so the wasm
// bundle is required by file; its default wasm path is a CDN, so the local dist/ is given; and
// file:// model URLs fail on the wasm backend, so the models folder is served on 127.0.0.1 to
// this process alone (a random port, only the centernet files).
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const modules = path.join(__dirname, 'node_modules');
const humanDir = path.join(modules, '@vladmandic', 'human');
const { Human } = require(path.join(humanDir, 'dist', 'human.node-wasm.js'));
const wasmDir = path.join(modules, '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep;
const modelsDir = path.join(humanDir, 'models');
const SERVED = new Set(['centernet.json', 'centernet.bin']);

function serveModels() {
  const server = http.createServer((req, res) => {
    const name = path.basename(decodeURIComponent((req.url || '').split('?')[0]));
    if (!SERVED.has(name)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': name.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    fs.createReadStream(path.join(modelsDir, name)).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function write(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

async function main() {
  const server = await serveModels();
  const human = new Human({
    backend: 'wasm',
    wasmPath: wasmDir,
    wasmPlatformFetch: false,
    modelBasePath: `http://127.0.0.1:${server.address().port}/`,
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.2, iouThreshold: 0.4, maxDetected: 50 },
  });
  await human.load();
  await human.tf.ready();
  write({ ready: true, backend: human.tf.getBackend(), human: human.version, tfjs: human.tf.version_core });

  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let id = null;
    try {
      const request = JSON.parse(line);
      id = request.id ?? null;
      if (request.op !== 'detect') throw new Error(`unknown op ${JSON.stringify(request.op)}`);
      const { width, height } = request;
      const rgb = Buffer.from(request.rgb, 'base64');
      if (rgb.length !== width * height * 3) throw new Error(`expected ${width * height * 3} bytes of RGB, got ${rgb.length}`);
      const started = Date.now();
      const tensor = human.tf.tensor4d(new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), [1, height, width, 3], 'int32');
      const result = await human.detect(tensor, {
        object: {
          enabled: true,
          minConfidence: request.min_score ?? 0.2,
          maxDetected: request.max_detected ?? 50,
        },
      });
      human.tf.dispose(tensor);
      if (result.error) throw new Error(String(result.error));
      const objects = result.object.map((o) => ({ label: o.label, score: o.score, box: o.box }));
      write({ id, ok: true, objects, ms: Date.now() - started });
    } catch (error) {
      write({ id, ok: false, error: String(error && error.message ? error.message : error) });
    }
  }
  server.close();
}

main().catch((error) => {
  write({ ready: false, error: String(error && error.stack ? error.stack : error) });
  process.exit(1);
});
