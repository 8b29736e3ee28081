// The commented example printed by `isthmus config example` (it passes `isthmus config check`; a test says so).

extension Configuration {
    /// A complete, commented configuration that validates.
    public static let exampleYAML = #"""
# Isthmus configuration (docs/configuration.md). Check it with: isthmus config check FILE
# Durations are seconds or a number with ms, s, m, h, d; sizes are bytes or a number with KB, MB, GB, KiB, MiB, GiB.

data:
  directory: ./isthmus-data          # the SQLite store (isthmus.sqlite) and the content folder (content/)
  sync: pipelined                    # pipelined | full: how commits reach the disk (both before any answer)

listeners:
  mllp:
    - name: adt-in                   # names are letters, digits, '-', '_', '.'; unique among listeners
      host: 0.0.0.0
      port: 2575                     # 0 picks a free port (logged at start)
      max-frame-size: 16MiB          # a larger block closes its connection
      idle-timeout: 5m               # 0: never close idle connections
      # tls:                         # MLLP over TLS: the server's certificate, and a CA to require client certificates
      #   certificate: /etc/isthmus/server.pem
      #   key: /etc/isthmus/server-key.pem
      #   ca: /etc/isthmus/clients-ca.pem
    - name: orders-in
      port: 2576
  folder:
    - name: drop-in                  # a watched folder: HL7 files in, moved to processed/ or error/ once handled
      path: /var/spool/isthmus/in
      poll-interval: 1s
  dicom:
    - name: scp
      ae-title: ISTHMUS              # the called AE title answered (storage and verification)
      host: 0.0.0.0
      port: 11112
      allowed-calling-aes: [CT01, MR01]   # absent or empty: any calling AE

peers:
  mllp:
    - name: ris
      host: ris.example.org
      port: 2575
      # tls: { ca: /etc/isthmus/ris-ca.pem }   # check the peer's certificate (client certificate: certificate + key)
    - name: lab
      host: 10.0.0.7
      port: 6661
  dicom:
    - name: pacs
      ae-title: PACS
      host: 10.0.0.5
      port: 104

channels:
  - name: adt-to-ris
    source: adt-in                   # a listener's name
    filter:                          # all / any / not, or one condition: path + equals | in | matches | exists
      all:
        - path: MSH-9.1
          equals: ADT
        - path: MSH-9.2
          in: [A01, A04, A08, A40]
        - not:
            path: PID-3.1
            exists: false
    transform:                       # applied in order before each message is sent (docs/delivery.md)
      - set: { path: MSH-5, value: RIS }
      - copy: { from: PID-3.1, to: PID-2.1 }
      - map: { path: PV1-2, table: { I: IN, O: OUT }, default: OTHER }
      - drop-segments: ZPD
    destinations:
      - mllp: ris                    # an MLLP peer; the queue is named after it unless name: is given
  - name: orders
    source: orders-in
    filter:
      path: MSH-9.1
      matches: "OR[MU]"
    destinations:
      - mllp: ris
      - mllp: lab
      - folder: /var/spool/isthmus/orders
        name: archive
      - http: https://integration.example.org/hooks/orders   # a webhook: each message POSTed
        name: webhook
        format: json                 # er7 (default, x-application/hl7-v2+er7) | json (docs/hl7.md JSON form)
        headers: { X-Source: isthmus }  # secrets from the environment: { Authorization: "Bearer ${TOKEN}" }
        timeout: 30s
        # tls: { ca: /etc/isthmus/hooks-ca.pem, certificate: client.pem, key: client-key.pem }
  - name: ct-to-pacs
    source: scp
    filter:
      any:
        - tag: Modality              # a dictionary keyword or (GGGG,EEEE)
          in: [CT, MR]
        - calling-ae: true
          equals: CT01
    destinations:
      - dicom: pacs

retention:                           # pruning runs at start and every interval; pending deliveries are kept
  max-age: 30d                       # journal entries and DICOM instances older than this are pruned
  max-size: 50GB                     # the content folder (DICOM instances) above this: oldest first
  journal-max-size: 2GB              # the HL7 journal above this: oldest first
  interval: 1h

duplicates:
  hl7-window: 24h                    # same sender (MSH-3/MSH-4) and MSH-10 within this: ACKed, not enqueued again
  sop-instance: ignore               # ignore | replace | reject (0111H)

workflow:                            # IHE Scheduled Workflow and PIR (docs/mapping.md); no section: off
  listeners: [orders-in]             # the MLLP listeners it reads (absent: all)
  orders: true                       # ORM^O01 / OMI^O23 on any MLLP listener → Modality Worklist of every DICOM listener
  patients: true                     # ADT A01/A04/A05/A08/A28/A31 update, A40 merge, A47 identifier change
  station-ae-title: CT01             # Scheduled Station AE Title when an order names none
  modality: CT                       # modality when an order names none
  study-uid-policy: derive           # no Study Instance UID in the order: reject | derive (from the accession) | generate
  sps-id-policy: requested-procedure-id   # no SPS ID: reject | requested-procedure-id | generate
  character-set: ISO_IR 192          # worklist and patient text; absent: from MSH-18
  truncate-overlong-values: false    # true: cut values too long for their VR instead of answering AE
  mpps: true                         # MPPS N-CREATE/N-SET on the DICOM listeners: worklist status, status messages
  status-message: ORM^O01            # MPPS status message type: ORM^O01 | OMI^O23 | OMG^O19 | ORU^R01
  status-to:                         # where MPPS status messages go (queues workflow/NAME)
    - mllp: ris
      message: OMI^O23               # this destination's own type (absent: status-message)
  study-stable:                      # a study with no new instance for `after`: one HL7 notification (ORC-5 CM)
    after: 60s
    message: ORU^R01                 # absent: status-message
    to: [ { mllp: ris } ]            # same name as a status-to destination: the same queue
  # mapping: site-mapping.yaml       # the site's changes to the order tables (docs/mapping.md), relative to this file

"""#
}
