"""backchannel: a knowledge base on armed groups and their members where every fact has a source."""

__version__ = "0.1.0"
