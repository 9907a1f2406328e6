//! A stand-in for the Lambda service around one function: it starts the built binary (under a
//! runner such as qemu-user when asked) with the environment Lambda gives it, serves it the
//! Runtime API, and enforces Lambda's limits on every invocation:
//! - a request payload over 6,291,556 bytes is refused before the function sees it;
//! - a response over it is refused (413 to the runtime) and the invocation fails;
//! - `Timeout`: past the deadline the process is killed and the invocation fails; the next
//!   invocation starts a new process, as Lambda starts a new execution environment;
//! - `MemorySize`: a cgroup v1 memory limit where the machine lets us create one (the kernel
//!   kills the process at the limit, as Lambda does), else the process's peak RSS (`VmHWM`)
//!   checked after every invocation, a peak over the limit failing it.

use super::runtime_api::{Invocation, PAYLOAD_LIMIT, Reply, RuntimeApi};
use std::fs::File;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Lambda's limit for the init phase of an on-demand function.
const INIT_LIMIT: Duration = Duration::from_secs(10);

pub(crate) struct FunctionSpec {
    /// The runner's words (may be empty) followed by the binary.
    pub(crate) command: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) memory_bytes: u64,
    pub(crate) timeout: Duration,
    pub(crate) function_arn: String,
    pub(crate) log_path: PathBuf,
    /// Enforce memory by peak RSS even where a cgroup could be made.
    pub(crate) memory_by_rss: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Failure {
    /// Refused by Lambda: the function never saw it.
    RequestTooLarge(usize),
    InitFailed(String),
    FunctionError {
        error_type: String,
        body: String,
    },
    ResponseTooLarge(usize),
    Timeout,
    /// The process died during the invocation (exit status or signal).
    Crashed(String),
    OutOfMemory {
        peak_bytes: u64,
    },
}

/// What one invocation cost and how it ended.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub(crate) request_bytes: usize,
    pub(crate) response_bytes: usize,
    pub(crate) duration: Duration,
    /// The instance's peak memory so far (see `Instance::peak_memory_bytes`).
    pub(crate) peak_memory_bytes: Option<u64>,
    pub(crate) failure: Option<Failure>,
}

pub(crate) struct Outcome {
    pub(crate) payload: Option<Vec<u8>>,
    pub(crate) record: Record,
}

pub(crate) struct Function {
    spec: FunctionSpec,
    instance: Option<Instance>,
    invocations: u64,
    /// How many execution environments were started (one, unless a failure replaced it).
    pub(crate) starts: u32,
    /// Whether memory is enforced by a cgroup (else by checking VmHWM).
    pub(crate) memory_by_cgroup: bool,
}

struct Instance {
    child: Child,
    api: RuntimeApi,
    cgroup: Option<MemoryCgroup>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        // The whole process group: a runner's or a script's children go with it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    /// The process's peak RSS (`VmHWM`). Not the cgroup's peak usage: that also counts the page
    /// cache of the log file this stand-in writes the function's output to (160 MB after the
    /// worst-case benchmark's 100,000 requests), where Lambda sends it down a pipe. The cgroup
    /// still enforces the limit, and the kernel frees that cache before it kills anything.
    fn peak_memory_bytes(&self) -> Option<u64> {
        peak_rss_bytes(self.child.id())
    }
}

impl Function {
    pub(crate) fn new(spec: FunctionSpec) -> Function {
        let memory_by_cgroup =
            !spec.memory_by_rss && MemoryCgroup::create(0, spec.memory_bytes).is_some();
        Function {
            spec,
            instance: None,
            invocations: 0,
            starts: 0,
            memory_by_cgroup,
        }
    }

    pub(crate) fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    /// Starts a process and waits for its runtime to ask for work (the end of init).
    fn start(&mut self) -> Result<(), Failure> {
        self.starts += 1;
        let api = RuntimeApi::start();
        let cgroup = if self.memory_by_cgroup {
            MemoryCgroup::create(self.starts, self.spec.memory_bytes)
        } else {
            None
        };
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.spec.log_path)
            .expect("the function's log file");
        let (program, args) = match &cgroup {
            // The shell joins the cgroup, then becomes the function: no moment outside it.
            Some(cgroup) => (
                "/bin/sh".to_owned(),
                [
                    "-c".to_owned(),
                    "echo $$ > \"$0\" && exec \"$@\"".to_owned(),
                    cgroup.procs_path().display().to_string(),
                ]
                .into_iter()
                .chain(self.spec.command.iter().cloned())
                .collect::<Vec<_>>(),
            ),
            None => (
                self.spec.command[0].clone(),
                self.spec.command[1..].to_vec(),
            ),
        };
        let child = Command::new(program)
            .args(args)
            .env_clear()
            .envs(self.spec.env.iter().map(|(k, v)| (k, v)))
            .env("AWS_LAMBDA_RUNTIME_API", api.address.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log file"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {:?}: {e}", self.spec.command));
        let mut instance = Instance { child, api, cgroup };
        // Emulated runs (qemu-user) start slower; Lambda's own limit applies natively.
        let init_limit = if self.spec.command.len() > 1 {
            INIT_LIMIT * 6
        } else {
            INIT_LIMIT
        };
        let until = Instant::now() + init_limit;
        loop {
            if let Some(error) = instance.api.init_error() {
                return Err(Failure::InitFailed(error));
            }
            if instance.api.is_ready() {
                break;
            }
            if let Ok(Some(status)) = instance.child.try_wait() {
                return Err(Failure::InitFailed(format!(
                    "the process exited during init: {status}"
                )));
            }
            if Instant::now() > until {
                return Err(Failure::InitFailed(format!(
                    "init took longer than {init_limit:?}"
                )));
            }
            instance.api.wait_for_change(Duration::from_millis(50));
        }
        self.instance = Some(instance);
        Ok(())
    }

    /// One synchronous invocation, as API Gateway makes it.
    pub(crate) fn invoke(&mut self, event: &[u8]) -> Outcome {
        let began = Instant::now();
        let record = |response_bytes, peak, failure| Record {
            request_bytes: event.len(),
            response_bytes,
            duration: began.elapsed(),
            peak_memory_bytes: peak,
            failure,
        };
        if event.len() > PAYLOAD_LIMIT {
            return Outcome {
                payload: None,
                record: record(0, None, Some(Failure::RequestTooLarge(event.len()))),
            };
        }
        if self.instance.is_none()
            && let Err(failure) = self.start()
        {
            self.instance = None;
            return Outcome {
                payload: None,
                record: record(0, None, Some(failure)),
            };
        }
        let Some(instance) = self.instance.as_mut() else {
            unreachable!("started above");
        };
        self.invocations += 1;
        let request_id = format!("00000000-0000-4000-8000-{:012x}", self.invocations);
        let deadline = SystemTime::now() + self.spec.timeout;
        let deadline_epoch_ms = deadline
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        instance.api.dispatch(Invocation {
            request_id: request_id.clone(),
            event: event.to_vec(),
            deadline_epoch_ms,
            function_arn: self.spec.function_arn.clone(),
            trace_id: format!(
                "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
                deadline_epoch_ms / 1000,
                self.invocations,
                self.invocations
            ),
        });
        let until = Instant::now() + self.spec.timeout;
        let (reply, mut failure) = loop {
            if let Some(reply) = instance
                .api
                .take_reply(&request_id, Duration::from_millis(20))
            {
                break (Some(reply), None);
            }
            if let Ok(Some(status)) = instance.child.try_wait() {
                // The kernel's OOM killer sends SIGKILL; we had not killed it yet.
                let oom = status.signal() == Some(9)
                    && instance
                        .cgroup
                        .as_ref()
                        .is_some_and(MemoryCgroup::hit_its_limit);
                let failure = if oom {
                    Failure::OutOfMemory {
                        peak_bytes: instance.peak_memory_bytes().unwrap_or(0),
                    }
                } else {
                    Failure::Crashed(status.to_string())
                };
                break (None, Some(failure));
            }
            if instance.cgroup.is_none()
                && let Some(peak_bytes) = instance
                    .peak_memory_bytes()
                    .filter(|peak| *peak > self.spec.memory_bytes)
            {
                break (None, Some(Failure::OutOfMemory { peak_bytes }));
            }
            if Instant::now() > until {
                break (None, Some(Failure::Timeout));
            }
        };
        let peak = instance.peak_memory_bytes();
        if failure.is_none()
            && let Some(peak_bytes) = peak.filter(|p| *p > self.spec.memory_bytes)
        {
            failure = Some(Failure::OutOfMemory { peak_bytes });
        }
        let (payload, response_bytes) = match reply {
            Some(Reply::Response(body)) => {
                let length = body.len();
                (Some(body), length)
            }
            Some(Reply::ResponseTooLarge(length)) => {
                failure.get_or_insert(Failure::ResponseTooLarge(length));
                (None, length)
            }
            Some(Reply::Error { error_type, body }) => {
                failure.get_or_insert(Failure::FunctionError { error_type, body });
                (None, 0)
            }
            None => (None, 0),
        };
        // A timed-out, crashed or over-memory environment is not reused; a function error
        // (the runtime reported it and asks for the next event) keeps its environment.
        if matches!(
            failure,
            Some(Failure::Timeout | Failure::Crashed(_) | Failure::OutOfMemory { .. })
        ) {
            self.instance = None;
        }
        Outcome {
            payload: failure.is_none().then_some(payload).flatten(),
            record: record(response_bytes, peak, failure),
        }
    }
}

/// `VmHWM` of a process, in bytes.
fn peak_rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A cgroup v1 memory group limited to the function's memory.
struct MemoryCgroup {
    dir: PathBuf,
}

const CGROUP_MEMORY_ROOT: &str = "/sys/fs/cgroup/memory";

impl MemoryCgroup {
    /// `None` where cgroup v1's memory controller is absent or not writable by us.
    fn create(serial: u32, limit_bytes: u64) -> Option<MemoryCgroup> {
        let dir = Path::new(CGROUP_MEMORY_ROOT).join(format!(
            "availability-deployed-{}-{serial}",
            std::process::id()
        ));
        std::fs::create_dir(&dir).ok()?;
        let cgroup = MemoryCgroup { dir };
        std::fs::write(
            cgroup.dir.join("memory.limit_in_bytes"),
            limit_bytes.to_string(),
        )
        .ok()?;
        // With swap, the limit would only move pages out; where the knob exists, close it too.
        let _ = std::fs::write(
            cgroup.dir.join("memory.memsw.limit_in_bytes"),
            limit_bytes.to_string(),
        );
        Some(cgroup)
    }

    fn procs_path(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// Whether usage reached the limit (`failcnt`) or the OOM killer acted (`oom_kill`, which
    /// can show a moment after the process is gone).
    fn hit_its_limit(&self) -> bool {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        let failed = read("memory.failcnt").trim().parse::<u64>().unwrap_or(0) > 0;
        let killed = read("memory.oom_control")
            .lines()
            .filter_map(|line| line.strip_prefix("oom_kill "))
            .any(|count| count.trim() != "0");
        failed || killed
    }
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        // The group can go once its processes are gone; that can take a moment after a kill.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
