"""Jupyter server settings for `make app`: the workbook's pages rendered by Voilà.

`make app` runs `jupyter server --config=jupyter_app_config.py`; `make lab` does not read
this file. The server's address, token login, folder and start page are on the command line
in the Makefile, beside `make lab`'s; this file holds what only the app needs.
"""

# `c` is the config object Jupyter defines before running this file.
c = get_config()  # type: ignore[name-defined]  # noqa: F821

# The learner runs this server for themselves, so a cell that fails shows its traceback
# instead of Voilà's bare "run Voilà with --show_tracebacks".
c.VoilaConfiguration.show_tracebacks = True


def _issue_xsrf_cookie(request_handler, notebook, cwd):
    """Give the browser Jupyter's `_xsrf` cookie when it opens a page (Voilà 0.5 does not).

    Leaving a page, Voilà posts "shut down my kernel" with the value of that cookie. A page
    is the first thing the app opens, and Voilà's page handler never sets the cookie, so
    without this every post is refused (403, "'_xsrf' argument missing") and each page
    visited leaves its kernel running, about 130 MB each, until the server stops. Reading
    `xsrf_token` makes tornado set the cookie on this response, which has not been sent yet.
    Returning None keeps the notebook as it is.
    """
    request_handler.xsrf_token  # noqa: B018  (read for its side effect)


c.VoilaConfiguration.prelaunch_hook = _issue_xsrf_cookie
