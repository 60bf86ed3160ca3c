"""Medic: offline troubleshooting for Kubernetes and container platforms.

Runbooks (Markdown, reStructuredText; ja/zh/ko/en) become structured entries that can be searched
and matched against evidence. See README.md for the command line.
"""

from medic.errors import InputError, KnowledgeError, MedicError
from medic.model import CodeBlock, Entry, SearchHit

__all__ = ["CodeBlock", "Entry", "InputError", "KnowledgeError", "MedicError", "SearchHit"]
__version__ = "0.1.0"
