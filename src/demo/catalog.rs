//! Catalog of ordinary Windows activity the noise draws from: programs, services, peers.

/// Ordinary programs: (image, arguments, parent image, OriginalFileName).
pub(crate) const PROGRAMS: &[(&str, &str, &str, &str)] = &[
    (
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "--type=renderer --lang=en-US --renderer-client-id=7",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "chrome.exe",
    ),
    (
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        "--type=utility --utility-sub-type=network.mojom.NetworkService",
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        "msedge.exe",
    ),
    (
        "C:\\Windows\\System32\\svchost.exe",
        "-k netsvcs -p -s BITS",
        "C:\\Windows\\System32\\services.exe",
        "svchost.exe",
    ),
    (
        "C:\\Windows\\System32\\backgroundTaskHost.exe",
        "-ServerName:BackgroundTaskHost.WebAccountProvider",
        "C:\\Windows\\System32\\svchost.exe",
        "backgroundTaskHost.exe",
    ),
    (
        "C:\\Windows\\System32\\taskhostw.exe",
        "",
        "C:\\Windows\\System32\\svchost.exe",
        "taskhostw.exe",
    ),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
        "/dde",
        "C:\\Windows\\explorer.exe",
        "Excel.exe",
    ),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        "/recycle",
        "C:\\Windows\\explorer.exe",
        "Outlook.exe",
    ),
    (
        "C:\\Windows\\System32\\notepad.exe",
        "C:\\Users\\Public\\Documents\\todo.txt",
        "C:\\Windows\\explorer.exe",
        "NOTEPAD.EXE",
    ),
    (
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "-NoProfile -Command \"Get-Service wuauserv | Restart-Service\"",
        "C:\\Windows\\System32\\svchost.exe",
        "PowerShell.EXE",
    ),
    (
        "C:\\Windows\\System32\\gpupdate.exe",
        "/target:computer",
        "C:\\Windows\\System32\\svchost.exe",
        "gpupdate.exe",
    ),
    (
        "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
        "-secured -Embedding",
        "C:\\Windows\\System32\\svchost.exe",
        "Wmiprvse.exe",
    ),
    (
        "C:\\Windows\\System32\\SearchProtocolHost.exe",
        "Global\\UsGthrFltPipeMssGthrPipe5_ Global\\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646",
        "C:\\Windows\\System32\\SearchIndexer.exe",
        "SearchProtocolHost.exe",
    ),
];

/// Service display names for System 7036/7040.
pub(crate) const SERVICES: &[&str] = &[
    "Windows Update",
    "Background Intelligent Transfer Service",
    "WinHTTP Web Proxy Auto-Discovery Service",
    "Windows Modules Installer",
    "Microsoft Defender Antivirus Network Inspection Service",
    "Print Spooler",
    "Windows Error Reporting Service",
    "Delivery Optimization",
];

/// Network peers for Sysmon 3: (ip, host name, port).
pub(crate) const DESTINATIONS: &[(&str, &str, &str)] = &[
    ("10.20.0.10", "DC01.corp.local", "389"),
    ("10.20.0.11", "DC02.corp.local", "88"),
    ("10.20.1.40", "SRV-FILE02.corp.local", "445"),
    ("10.20.5.5", "proxy.corp.local", "8080"),
    ("52.113.194.132", "teams.microsoft.com", "443"),
    ("142.250.185.78", "www.google.com", "443"),
];
