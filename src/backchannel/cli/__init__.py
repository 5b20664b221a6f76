"""The ``backchannel`` command line: thin click commands over the service functions."""
