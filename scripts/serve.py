"""Start the dashboard: `streamlit run app.py`, with app.py's st.navigation routing from the first request.

With a pages/ folder beside app.py, Streamlit treats the app as an old-style multipage app until app.py
has run once, so a shared deep link (/rehabilitation?town=…) opened first after a restart would run the
page without app.py. app.py routes every page with st.navigation, so that mode is switched off here.
Extra arguments go to `streamlit run` (e.g. --server.port 8502).
"""

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

PagesManager.uses_pages_directory = False
sys.argv = ["streamlit", "run", str(Path(__file__).resolve().parent.parent / "app.py"), *sys.argv[1:]]
sys.exit(cli.main())
