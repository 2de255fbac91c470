"""The knowledge base: parsing, chunking, permissions, storage, ingest and search."""
