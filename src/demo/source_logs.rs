//! What a PowerShell process on the *source* of a hop logs besides its 4104s: the classic
//! Windows PowerShell log's 400 (engine started, HostApplication = its command line) and 600
//! (the WSMan provider started: remoting), the 800 pipeline details, and the module-logging
//! 4103 of the remoting cmdlet with its parameter bindings.

use super::engine_logs::{self as el, Engine};
use super::story::{Mark, Story};

/// One console PowerShell that runs one remoting cmdlet.
pub(crate) struct Console<'a> {
    pub computer: &'a str,
    /// The process's command line (HostApplication) and pid.
    pub command_line: &'a str,
    pub pid: u32,
    pub user: &'a str,
    pub user_sid: &'a str,
    /// The pipeline as typed or passed (`Invoke-Command -ComputerName …`).
    pub pipeline: &'a str,
    /// The cmdlet and its parameter bindings, as 4103 and 800 log them.
    pub cmdlet: &'a str,
    pub bindings: &'a [(&'a str, &'a str)],
}

/// A stable GUID-like id from a key: the ids do not draw from the story's random stream,
/// so adding these records moves no other event.
fn id_of(key: &str) -> String {
    let h = xxhash_rust::xxh3::xxh3_128(key.as_bytes());
    let x = format!("{h:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

impl Story {
    /// The console's records from its start at `time`; the pipeline runs at `run`.
    pub(crate) fn console_records(&mut self, time: i64, run: i64, c: &Console) {
        let key = format!("{}/{}/{time}", c.computer, c.pid);
        let (host_id, runspace_id) = (id_of(&format!("host/{key}")), id_of(&format!("rs/{key}")));
        let en = Engine {
            computer: c.computer,
            host_name: "ConsoleHost",
            host_application: c.command_line,
            host_id: &host_id,
            runspace_id: &runspace_id,
        };
        self.push(el::engine_state(time + 300_000, 400, &en, 13), Mark::Plain);
        let e = el::provider_started(time + 350_000, &en, "WSMan", 15);
        self.push(e, Mark::Plain);
        let invocation = el::invocation(c.cmdlet, c.bindings);
        let who = (c.user_sid, c.user, c.pid);
        let e = el::module_record(run, &en, who, c.cmdlet, &invocation);
        self.push(e, Mark::Plain);
        let e = el::pipeline(run + 40_000, &en, c.user, c.pipeline, &invocation, 17);
        self.push(e, Mark::Plain);
    }
}
