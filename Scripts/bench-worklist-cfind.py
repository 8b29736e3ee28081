#!/usr/bin/env python3
"""Modality Worklist C-FIND latency client (Scripts/bench-worklist-cfind.sh): N queries over ONE association
(pynetdicom), by Scheduled Station AE Title ST<i mod 50> and a 1-day SPS Start Date range in March 2026,
SPS Status SCHEDULED, the same for every server. Prints p50/p99/max in milliseconds (request sent to last
response received) and the mean number of matches.

    bench-worklist-cfind.py NAME HOST PORT CALLED_AE N
"""
import sys
import time

from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import ModalityWorklistInformationFind


def query(i):
    ds = Dataset()
    ds.PatientName = ""
    ds.PatientID = ""
    ds.AccessionNumber = ""
    ds.StudyInstanceUID = ""
    ds.RequestedProcedureID = ""
    step = Dataset()
    step.ScheduledStationAETitle = "ST%d" % (i % 50)
    day = 1 + i % 28
    step.ScheduledProcedureStepStartDate = "202603%02d-202603%02d" % (day, day)
    step.ScheduledProcedureStepStartTime = ""
    step.Modality = ""
    step.ScheduledProcedureStepID = ""
    step.ScheduledProcedureStepStatus = "SCHEDULED"
    ds.ScheduledProcedureStepSequence = [step]
    return ds


def main():
    name, host, port, called, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    ae = AE(ae_title="BENCH")
    ae.add_requested_context(ModalityWorklistInformationFind)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 600
    assoc = ae.associate(host, port, ae_title=called)
    if not assoc.is_established:
        sys.exit("%s: association rejected or aborted" % name)
    times, matches = [], 0
    for i in range(n):
        q = query(i)
        start = time.perf_counter()
        for status, identifier in assoc.send_c_find(q, ModalityWorklistInformationFind):
            if not status or status.Status not in (0xFF00, 0xFF01):
                if not status or status.Status != 0x0000:
                    sys.exit("%s: query %d failed: %s" % (name, i, status))
                break
            matches += 1
        times.append((time.perf_counter() - start) * 1000)
    assoc.release()
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(len(times) * q))]
    print("%s: %d queries (station AE + 1-day SPS start date, SCHEDULED), one association: p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.1f matches per query"
          % (name, n, p(0.50), p(0.99), times[-1], matches / n))
    print("RESULT %s %.3f %.3f" % (name, p(0.50), p(0.99)))


if __name__ == "__main__":
    main()
