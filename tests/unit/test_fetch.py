"""Download path: a fake publisher on localhost serves paged ArcGIS GeoJSON and a publication
page."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from ics_maps import readers, sources
from ics_maps.sources import catalogue, fetch

FEATURES = [
    {
        "type": "Feature",
        "properties": {"ICB26CD": f"E5400{i:04d}", "ICB26NM": f"ICB {i}"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [-2 + i * 0.01, 52],
                    [-2 + i * 0.01, 52.01],
                    [-1.99 + i * 0.01, 52.01],
                    [-2 + i * 0.01, 52],
                ]
            ],
        },
    }
    for i in range(5)
] + [
    {
        "type": "Feature",
        "properties": {"ICB26CD": "E54009999", "ICB26NM": "far"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[0, 54], [0, 54.1], [0.1, 54.1], [0, 54]]],
        },
    }
]
LIST_CSV = (
    "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,CODE,POSTCODE,SEX,AGE,"
    "NUMBER_OF_PATIENTS\nG,2025-04-01,GP,16C,E38000247,A81001,TS18 1HU,ALL,ALL,3904\n"
)


class Publisher(BaseHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *a):  # keep test output quiet
        pass

    def do_GET(self):
        Publisher.requests.append(self.path)
        url = urlparse(self.path)
        q = parse_qs(url.query)
        if url.path.endswith("/query"):
            off, n = int(q["resultOffset"][0]), int(q["resultRecordCount"][0])
            n = min(n, 4)  # the service pages 4 at a time
            body = {
                "type": "FeatureCollection",
                "features": FEATURES[off : off + n],
                "properties": {"exceededTransferLimit": off + n < len(FEATURES)},
            }
            self._send(json.dumps(body).encode(), "application/json")
        elif url.path == "/publication":
            self._send(
                b'<html><a href="http://%s/files/AB/12CD34/gp-reg-pat-prac-all.zip">zip</a></html>'
                % self.headers["Host"].encode(),
                "text/html",
            )
        elif url.path.endswith("gp-reg-pat-prac-all.zip"):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as zf:
                zf.writestr("gp-reg-pat-prac-all.csv", LIST_CSV)
            self._send(buf.getvalue(), "application/zip")
        else:
            self.send_error(404)

    def _send(self, body: bytes, ctype: str):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def publisher(fake_mirror, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.delenv("ICS_MAPS_OFFLINE")
    cat = dict(sources.CATALOGUE)
    cat["icb_2026_bsc"] = dataclasses.replace(
        cat["icb_2026_bsc"],
        expect_rows=(6, 6),
        url=f"{base}/svc/FeatureServer/0/query?where=1%3D1&f=geojson",
    )
    cat["gp_list_2025_04"] = dataclasses.replace(
        cat["gp_list_2025_04"],
        expect_rows=None,
        url=f"{base}/publication",
        download=r"page:http://[^\"']+/gp-reg-pat-prac-all\.zip"
        r"|zip:gp-reg-pat-prac-all.csv",
    )
    monkeypatch.setattr(catalogue, "CATALOGUE", cat)
    Publisher.requests = []
    yield base
    server.shutdown()


def test_arcgis_service_is_paged_and_cached_as_geojson(publisher, tmp_path):
    seen = []
    gdf = readers.read_boundaries(
        "icb_2026_bsc", "ICB26CD", "ICB26NM", progress=lambda m, f: seen.append(f)
    )
    assert len(gdf) == 6 and gdf.crs.to_epsg() == 27700
    pages = [r for r in Publisher.requests if "/query" in r]
    assert len(pages) == 2 and "resultOffset=4" in pages[1]
    assert seen and seen[-1] == 1.0
    cached = tmp_path / "downloads" / "icb_2026_bsc" / "ICB_APR_2026_EN_BSC.geojson"
    assert cached.exists() and not list(cached.parent.glob("*.part"))
    Publisher.requests = []
    readers.read_boundaries("icb_2026_bsc", "ICB26CD", "ICB26NM")
    assert Publisher.requests == []  # second read uses the cache


def test_file_link_is_read_off_the_publication_page_and_unzipped(publisher):
    out = readers.read_list_sizes()
    assert out.to_dict("list") == {"code": ["A81001"], "list_size": [3904]}
    assert Publisher.requests[0] == "/publication"


def test_failed_download_names_dataset_url_and_mirror(publisher, monkeypatch):
    cat = dict(sources.CATALOGUE)
    cat["icb_2023_bsc"] = dataclasses.replace(cat["icb_2023_bsc"], url=f"{publisher}/missing")
    monkeypatch.setattr(catalogue, "CATALOGUE", cat)
    with pytest.raises(
        ValueError, match=r"icb_2023_bsc.*file not found: .*mirror.*download from .*/missing failed"
    ):
        fetch.resolve("icb_2023_bsc")
