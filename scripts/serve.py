"""Start the dashboard: `streamlit run app.py`, with app.py's st.navigation routing from the first request,
and the warehouse connection and the pages' libraries ready before the first visitor (0.9 s → 0.25 s for the first page).

With a pages/ folder beside app.py, Streamlit treats the app as an old-style multipage app until app.py
has run once, so a shared deep link (/rehabilitation?town=…) opened first after a restart would run the
page without app.py. app.py routes every page with st.navigation, so that mode is switched off here.
Extra arguments go to `streamlit run` (e.g. --server.port 8502).

It also closes four side doors of Streamlit's server (ui/server_guard.py): client commands such as
clear_cache from sessions that have not signed in (or whose sign-in has ended), /_stcore/metrics, exported files
served to anyone with their URL (or after the session ended), and uvicorn's belief in X-Forwarded-For from
loopback.
"""

import logging
import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

ROOT = Path(__file__).resolve().parent.parent


def warm() -> None:
    """Import what the pages import (pandas, plotly, pydeck, DuckDB) and open the process's one read-only
    connection (a cached resource, kept for every session), so the first visitor does not wait for
    them. A warehouse that cannot be opened is left to the page, which says what to do."""
    sys.path.insert(0, str(ROOT))
    # Defining st.cache_data functions before the server runs logs "No runtime found" for each; their
    # caches are made on first use, under the runtime, so the message is noise here.
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        from ui import data, page  # noqa: F401
        from ui.render import screen  # noqa: F401

        data.warehouse().frame("SELECT count(*) AS n FROM dim_region")
    except Exception:  # never keep the server from starting: the page explains the failure
        pass
    finally:
        quiet.setLevel(level)


PagesManager.uses_pages_directory = False
warm()
from ui import server_guard  # noqa: E402  (ROOT is on sys.path after warm())

server_guard.install()
sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
sys.exit(cli.main())
