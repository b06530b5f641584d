/// The vocabulary generated findings are built from: a fleet of machines and the parts of
/// vulnerability titles. Fixed, so the same seed gives the same findings in every release that
/// keeps this table.
enum FindingCatalog {
  /// 48 machines of a mid-sized company, each with the criticality its role suggests.
  static let machines: [(name: String, criticality: Rating)] = [
    ("DC-PROD-01", .critical), ("DC-PROD-02", .critical), ("SQL-PROD-01", .critical),
    ("SQL-PROD-02", .critical), ("ERP-APP-01", .critical), ("PAY-GW-01", .critical),
    ("VPN-EDGE-01", .critical), ("FW-MGMT-01", .critical), ("PKI-CA-01", .critical),
    ("WEB-PROD-01", .high), ("WEB-PROD-02", .high), ("WEB-PROD-03", .high),
    ("API-PROD-01", .high), ("API-PROD-02", .high), ("MAIL-EX-01", .high),
    ("K8S-NODE-01", .high), ("K8S-NODE-02", .high), ("K8S-NODE-03", .high),
    ("BACKUP-01", .high), ("SIEM-COL-01", .high), ("JUMP-HOST-01", .high),
    ("FILE-SRV-01", .medium), ("FILE-SRV-02", .medium), ("PRINT-SRV-01", .medium),
    ("CI-RUNNER-01", .medium), ("CI-RUNNER-02", .medium), ("GIT-SRV-01", .medium),
    ("WEB-STAGE-01", .medium), ("SQL-STAGE-01", .medium), ("MON-GRAF-01", .medium),
    ("LNX-APP-01", .medium), ("LNX-APP-02", .medium), ("WSUS-01", .medium),
    ("WKS-FIN-014", .medium), ("WKS-HR-007", .medium),
    ("WKS-DEV-021", .low), ("WKS-DEV-022", .low), ("WKS-DEV-035", .low),
    ("WKS-SALES-003", .low), ("WKS-SALES-011", .low), ("WKS-MKT-002", .low),
    ("LAB-TEST-01", .low), ("LAB-TEST-02", .low), ("KIOSK-LOBBY-01", .low),
    ("MTG-ROOM-PC-04", .low), ("DEV-VM-108", .low), ("DEV-VM-117", .low),
    ("TRAIN-PC-09", .low),
  ]

  /// Software that appears in scanner reports.
  static let products = [
    "Apache HTTP Server", "Apache Tomcat", "Apache Log4j", "nginx", "OpenSSL", "OpenSSH",
    "Microsoft Exchange Server", "Microsoft Windows SMB", "Microsoft Windows Kernel",
    "Microsoft Office", "Microsoft Edge", "Google Chrome", "Mozilla Firefox", "Linux Kernel",
    "glibc", "sudo", "Samba", "PostgreSQL", "MySQL Server", "Microsoft SQL Server", "Redis",
    "Elasticsearch", "Jenkins", "GitLab", "Docker Engine", "containerd", "Kubernetes kubelet",
    "VMware vCenter Server", "Citrix ADC", "Fortinet FortiOS", "Cisco IOS XE", "Atlassian Confluence",
    "Oracle Java SE", "Node.js", "PHP", "Python urllib", "curl", "libxml2", "zlib", "7-Zip",
  ]

  /// Kinds of weakness that plausibly earn each severity.
  static func weaknesses(for severity: Rating) -> [String] {
    switch severity {
    case .critical: criticalWeaknesses
    case .high: highWeaknesses
    case .medium: mediumWeaknesses
    case .low: lowWeaknesses
    }
  }

  static let criticalWeaknesses = [
    "Remote Code Execution", "Unauthenticated Remote Code Execution", "Authentication Bypass",
    "Heap Buffer Overflow", "Deserialization of Untrusted Data", "OS Command Injection",
    "SQL Injection",
  ]
  static let highWeaknesses = [
    "Privilege Escalation", "Use-After-Free", "Out-of-Bounds Write", "Server-Side Request Forgery",
    "Path Traversal", "Arbitrary File Upload", "XML External Entity Injection",
  ]
  static let mediumWeaknesses = [
    "Cross-Site Scripting", "Denial of Service", "Cross-Site Request Forgery", "Open Redirect",
    "Information Disclosure", "Improper Certificate Validation", "Race Condition",
  ]
  static let lowWeaknesses = [
    "Information Disclosure", "Missing Security Header", "Verbose Error Messages",
    "Timing Side Channel", "Weak Default Configuration", "Clickjacking",
  ]

  /// Where the weakness sits.
  static let components = [
    "in request parsing", "in authentication module", "in TLS handshake", "in admin console",
    "via crafted HTTP request", "via malformed certificate", "in file upload handler",
    "in session management", "via crafted archive", "in XML parser", "in scripting engine",
    "in network driver", "in logging subsystem", "via environment variable", "in REST API",
  ]
}
