//! Script texts of the story and the building blocks of benign PowerShell.
//!
//! No benign text here contains `-ComputerName`; a few contain `Invoke-Command` alone, so noise
//! can never satisfy both literals of the analytics by accident.

/// The scheduled health check on MGMT01 (the known false positive): same text every run.
pub const HEALTH_CHECK: &str = r#"<#
.SYNOPSIS
    Nightly and half-hourly health check of the database and file servers.
    Owner: Infrastructure Operations (ticket CHG-20931). Runs as CORP\svc_sched.
#>
[CmdletBinding()]
param(
    [string[]]$Servers = @('SRV-DB01', 'SRV-FILE02'),
    [string]$ReportPath = 'C:\Scripts\Reports\health.csv'
)

$ErrorActionPreference = 'Stop'
$services = 'MSSQLSERVER', 'SQLSERVERAGENT', 'LanmanServer', 'W32Time'

$results = Invoke-Command -ComputerName $Servers -ScriptBlock {
    param($names)
    $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DriveType=3"
    [pscustomobject]@{
        Host      = $env:COMPUTERNAME
        Uptime    = (Get-Date) - (Get-CimInstance Win32_OperatingSystem).LastBootUpTime
        FreeGB    = [math]::Round(($disk | Measure-Object FreeSpace -Sum).Sum / 1GB, 1)
        Services  = (Get-Service -Name $names -ErrorAction SilentlyContinue |
                     Where-Object Status -ne 'Running' | Select-Object -ExpandProperty Name) -join ','
    }
} -ArgumentList (,$services) -ErrorAction Continue

$results | Select-Object Host, Uptime, FreeGB, Services |
    Export-Csv -Path $ReportPath -NoTypeInformation -Append
if ($results | Where-Object Services) {
    Send-MailMessage -To 'infra-ops@corp.local' -From 'svc_sched@corp.local' `
        -Subject 'Health check: stopped services' -SmtpServer 'smtp.corp.local'
}
"#;

/// The fleet inventory job of the scaled corpus (runs as SYSTEM on every app server).
pub const FLEET_INVENTORY: &str = "Invoke-Command -ComputerName DC01 -ScriptBlock { Get-ADDomainController -Discover -Service PrimaryDC }";

/// The administrator's interactive restart of the web farm.
pub const ADMIN_RESTART: &str = "Invoke-Command -ComputerName SRV-APP01,SRV-APP02 -ScriptBlock { Restart-Service -Name W3SVC -Force }";

/// Lines of ordinary PowerShell, combined at random into benign script blocks.
pub const BENIGN_LINES: &[&str] = &[
    "$ErrorActionPreference = 'Stop'",
    "Set-StrictMode -Version Latest",
    "Import-Module -Name Microsoft.PowerShell.Management",
    "$log = Join-Path $env:TEMP ('inventory-{0:yyyyMMdd}.log' -f (Get-Date))",
    "Get-ChildItem -Path $env:USERPROFILE\\Downloads -File | Where-Object LastWriteTime -lt (Get-Date).AddDays(-30) | Remove-Item -WhatIf",
    "$os = Get-CimInstance -ClassName Win32_OperatingSystem",
    "Write-Verbose \"Free memory: $([math]::Round($os.FreePhysicalMemory / 1MB, 2)) GB\"",
    "Get-Service -Name wuauserv, BITS | Select-Object Name, Status, StartType",
    "$pkgs = Get-Package -ProviderName Programs -ErrorAction SilentlyContinue",
    "foreach ($p in $pkgs) { Add-Content -Path $log -Value (\"{0};{1}\" -f $p.Name, $p.Version) }",
    "Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion' | Select-Object ProductName, ReleaseId",
    "$printers = Get-Printer | Where-Object Shared",
    "Test-NetConnection proxy.corp.local -Port 8080 -InformationLevel Quiet",
    "Get-WinEvent -LogName System -MaxEvents 50 | Where-Object LevelDisplayName -eq 'Error'",
    "[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12",
    "$cfg = Get-Content -Raw -Path 'C:\\ProgramData\\Corp\\agent.json' | ConvertFrom-Json",
    "if ($cfg.Enabled) { Start-Process -FilePath $cfg.Updater -ArgumentList '/quiet' -Wait }",
    "Get-Volume | Where-Object DriveLetter | Select-Object DriveLetter, SizeRemaining, Size",
    "$acl = Get-Acl -Path 'D:\\Shares\\Reports'",
    "Get-LocalGroupMember -Group 'Remote Desktop Users'",
    "$job = Invoke-Command -ScriptBlock { Get-Process | Sort-Object CPU -Descending | Select-Object -First 5 }",
    "Get-NetAdapter | Where-Object Status -eq 'Up' | Get-NetIPAddress -AddressFamily IPv4",
    "Register-ScheduledTask -TaskName 'CorpAgentUpdate' -InputObject $task -Force | Out-Null",
    "function Get-Uptime { (Get-Date) - (Get-CimInstance Win32_OperatingSystem).LastBootUpTime }",
    "Get-Uptime | ForEach-Object { '{0:N1} days' -f $_.TotalDays }",
    "$body = @{ host = $env:COMPUTERNAME; user = $env:USERNAME; ts = (Get-Date).ToString('o') } | ConvertTo-Json",
    "Invoke-RestMethod -Uri 'https://inventory.corp.local/api/v1/checkin' -Method Post -Body $body -ContentType 'application/json'",
    "Get-BitLockerVolume -MountPoint 'C:' | Select-Object VolumeStatus, ProtectionStatus",
    "Clear-RecycleBin -Force -ErrorAction SilentlyContinue",
    "Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 3",
    "Write-Output \"Completed on $env:COMPUTERNAME at $(Get-Date -Format s)\"",
    "try { Update-Help -Module Microsoft.PowerShell.Core -ErrorAction Stop } catch { Write-Warning $_ }",
];

/// Filler that reads like a long module: functions with comment-based help. Never contains
/// either analytic literal.
pub fn module_filler(len: usize, rng: &mut super::rng::Rng) -> String {
    let mut s = String::with_capacity(len + 512);
    let mut n = 0;
    while s.len() < len {
        n += 1;
        s.push_str(&format!(
            "\nfunction Get-CorpReport{n:03} {{\n    <#\n    .SYNOPSIS\n        Collects report section {n} for the finance share.\n    #>\n    [CmdletBinding()]\n    param([string]$Section = 'S{n}', [int]$Days = {d})\n"
            , d = 1 + rng.below(90)
        ));
        let mut lines = 0;
        while lines < 3 {
            let line = *rng.pick(BENIGN_LINES);
            // The filler surrounds planted literals, so it must hold neither of them itself.
            if line.contains("Invoke-Command") {
                continue;
            }
            s.push_str("    ");
            s.push_str(line);
            s.push('\n');
            lines += 1;
        }
        s.push_str("}\n");
    }
    s.truncate(len);
    s
}
