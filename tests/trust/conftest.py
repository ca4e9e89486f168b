"""The web tests' personas (`login_as`) for the trust features too."""

from tests.web.conftest import login_as

__all__ = ["login_as"]
