"""Read township and village boundaries in any CRS, reproject to WGS84 and simplify without gaps."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from data.readers import BOUNDARY_SUFFIXES, ExtractError, files_for

CODE_FIELDS = ("区划代码", "XZQDM", "QHDM")
# Metres of simplification: invisible at county zoom, shrinks the GeoJSON the browser draws.
SIMPLIFY_METRES = 25.0


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """One boundary file as (region_code, geometry) in its own CRS."""
    try:
        frame = gpd.read_file(path)
    except Exception as exc:
        raise ExtractError(f"{path.name}: 无法读取边界文件：{exc}") from exc
    field = next((f for f in CODE_FIELDS if f in frame.columns), None)
    if field is None:
        raise ExtractError(f"{path.name}: 缺少区划代码字段（区划代码、XZQDM 或 QHDM）")
    if frame.crs is None:
        raise ExtractError(f"{path.name}: 没有坐标系定义（.prj），无法投影")
    frame = frame.rename(columns={field: "region_code"})[["region_code", "geometry"]]
    frame["region_code"] = frame["region_code"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    return frame[frame.geometry.notna() & ~frame.geometry.is_empty]


def simplify_to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify as a coverage in metres (shared edges stay shared, so no gaps), then to EPSG:4326."""
    metric = frame if frame.crs.is_projected else frame.to_crs(frame.estimate_utm_crs())
    metric = metric.dissolve(by="region_code", as_index=False)
    metric["geometry"] = metric.geometry.make_valid()
    metric["geometry"] = metric.geometry.simplify_coverage(SIMPLIFY_METRES)
    return metric.to_crs(4326)


def load_level(folder: Path, table: str, level: str, known: set[str]) -> tuple[pd.DataFrame, list[dict]]:
    """(region_code, level, geojson) rows for one level, and the issues found (unknown codes)."""
    parts = [read_boundaries(p) for p in files_for(folder, table, BOUNDARY_SUFFIXES)]
    if not parts:
        return pd.DataFrame(columns=["region_code", "level", "geojson"]), []
    frame = simplify_to_wgs84(pd.concat([p.to_crs(parts[0].crs) for p in parts], ignore_index=True))
    unknown = sorted(set(frame["region_code"]) - known)
    issues = [{"region_code": c, "level": level, "issue": "unknown_code"} for c in unknown]
    frame = frame[frame["region_code"].isin(known)]
    rows = pd.DataFrame({
        "region_code": frame["region_code"].to_numpy(),
        "level": level,
        "geojson": shapely.to_geojson(shapely.set_precision(frame.geometry.to_numpy(), 1e-5)),
    })
    return rows, issues

