#!/usr/bin/env python3
"""Print pydicom's DICOM JSON model (PS3.18 Annex F) of each file named on the command line,
as one JSON object {path: model-or-{"error": message}}. Used by the corpus tests to compare
Isthmus's reading of every file with pydicom's."""
import json
import sys
import warnings

import pydicom
from pydicom import config

config.settings.reading_validation_mode = config.IGNORE
warnings.simplefilter("ignore")


def model(path):
    try:
        ds = pydicom.dcmread(path, force=True)
        return ds.to_json_dict(bulk_data_threshold=1 << 30)
    except Exception as e:  # noqa: BLE001 - reported to the test as data
        return {"error": f"{type(e).__name__}: {e}"}


out = {p: model(p) for p in sys.argv[1:]}
json.dump(out, sys.stdout)
