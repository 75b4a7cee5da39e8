"""Browser tests: real Streamlit servers driven by headless Chromium (marker ``browser``)."""
