"""sovmap: digital sovereignty dependency analyzer.

The import is cheap on purpose: no cloud SDK, no Streamlit, no database driver.
"""

__version__ = "0.1.0"
