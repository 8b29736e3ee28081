/// How the reader treats large values, pixel data and hostile input.
public struct ReadOptions: Sendable {
    /// Stop reading the data set at Pixel Data (7FE0,0010) (or Float / Double Float Pixel Data).
    public var stopBeforePixelData: Bool = false
    /// When reading a file, values of OB/OD/OF/OL/OV/OW/UN of at least this many bytes (and
    /// encapsulated fragments of that size) are kept as `BulkData` references into the file
    /// instead of being loaded. `nil` loads everything.
    public var bulkDataThreshold: Int? = 64 * 1024
    /// Sequences nested deeper than this are an error (hostile input must not exhaust the stack).
    public var maximumNestingDepth: Int = 64
    /// A deflated data set that inflates beyond this many bytes is an error (deflate bombs).
    public var maximumInflatedSize: Int = 1 << 30
    /// At most this many warnings are kept; more are counted in the last one.
    public var maximumWarnings: Int = 200
    /// When reading fails part-way through the data set, return what was read with the error in
    /// `DICOMFile.readError` instead of throwing.
    public var returnPartialOnError: Bool = false

    /// Give UN elements (explicit VR data written by an encoder that did not know the tag)
    /// the VR the dictionary has for their tag, and read undefined-length UN as SQ — as pydicom
    /// and most viewers do. Off by default: the data is then kept exactly as written.
    public var resolveUnknownVRs: Bool = false

    public init() {}

    public static var `default`: ReadOptions { ReadOptions() }

    /// Stop before pixel data (a header read).
    public static var headerOnly: ReadOptions {
        var o = ReadOptions()
        o.stopBeforePixelData = true
        return o
    }
}
