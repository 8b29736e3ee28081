@_exported import TestSupport
import DICOM

/// Swift Testing has a `Tag` type too; in this test module `Tag` is the DICOM one.
typealias Tag = DICOM.Tag
