"""aptui: a console for IBM Z crypto (AP) virtualization."""

__version__ = "0.1.0"
