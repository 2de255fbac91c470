"""sakuin (索引): an organisation's private knowledge, put to work with language models.

The Python API is the product; the CLI, the HTTP API and the web page only wrap it::

    from sakuin import load_settings, load_model

    model = load_model(load_settings().model)
    print(model.generate("日本の首都は").text)
"""

from sakuin.config import Settings, load_settings
from sakuin.models import load_model

__all__ = ["Settings", "load_model", "load_settings"]
__version__ = "0.1.0"
