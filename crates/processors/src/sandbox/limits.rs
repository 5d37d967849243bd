//! What a parse process may use, and how the limits travel to it: as its
//! command-line arguments, so the child applies them before it reads its
//! input. `confine` applies them to the calling process (the child).

use std::ffi::OsString;
use std::time::Duration;

use rlimit::Resource;

use crate::pdf::ReadLimits;

/// The limits of one parse process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Bytes of address space (`RLIMIT_AS`): the process's memory,
    /// its code and its stacks included.
    pub max_memory: u64,
    /// Wall-clock time, enforced by the parent; the child's CPU time is
    /// limited to the same, rounded up, plus one second.
    pub timeout: Duration,
    /// Pages, decoded stream bytes and text bytes of one document.
    pub read: ReadLimits,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_memory: 1 << 30,
            timeout: Duration::from_secs(60),
            read: ReadLimits::default(),
        }
    }
}

/// How much the parse process lowers its priority (to nice 19 from 0).
const NICE: i32 = 19;

/// Stack of the thread that parses (and of the main thread).
pub(crate) const STACK_BYTES: u64 = 8 << 20;

impl ParseLimits {
    /// CPU seconds the child may use before the kernel stops it.
    pub(crate) fn cpu_seconds(&self) -> u64 {
        self.timeout.as_secs() + u64::from(self.timeout.subsec_nanos() > 0) + 1
    }

    pub(crate) fn to_args(self) -> Vec<OsString> {
        [
            ("memory", self.max_memory),
            (
                "timeout-ms",
                u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            ),
            ("pages", u64::from(self.read.max_pages)),
            ("decoded", self.read.max_decoded_bytes),
            ("text", self.read.max_text_bytes),
        ]
        .into_iter()
        .map(|(name, value)| format!("--{name}={value}").into())
        .collect()
    }

    /// The limits `to_args` wrote. Every one must be there.
    pub(crate) fn from_args(args: &[String]) -> Result<Self, String> {
        let mut found = [None::<u64>; 5];
        let names = ["memory", "timeout-ms", "pages", "decoded", "text"];
        for arg in args {
            let (name, value) = arg
                .strip_prefix("--")
                .and_then(|rest| rest.split_once('='))
                .ok_or_else(|| format!("unexpected argument {arg:?}"))?;
            let index = names
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| format!("unknown limit {name:?}"))?;
            let value = value
                .parse::<u64>()
                .map_err(|_| format!("--{name} needs a whole number, not {value:?}"))?;
            found[index] = Some(value);
        }
        let [Some(memory), Some(timeout_ms), Some(pages), Some(decoded), Some(text)] = found else {
            return Err(format!("every limit is needed: {}", names.join(", ")));
        };
        Ok(ParseLimits {
            max_memory: memory,
            timeout: Duration::from_millis(timeout_ms),
            read: ReadLimits {
                max_pages: u32::try_from(pages).unwrap_or(u32::MAX),
                max_decoded_bytes: decoded,
                max_text_bytes: text,
            },
        })
    }

    /// Confines the calling process: memory, CPU time, stack, no new files
    /// or sockets (no descriptor beyond stdin, stdout and stderr), no file
    /// writes, no core dumps; and the lowest CPU priority, so that parsing
    /// yields the cores to the server whenever it has work. Each limit only
    /// ever goes down.
    pub(crate) fn confine(&self) -> Result<(), String> {
        rustix::process::nice(NICE).map_err(|e| format!("cannot lower the priority: {e}"))?;
        let limits = [
            (Resource::AS, self.max_memory, self.max_memory),
            (Resource::CPU, self.cpu_seconds(), self.cpu_seconds() + 1),
            (Resource::STACK, STACK_BYTES, STACK_BYTES),
            (Resource::NOFILE, 3, 3),
            (Resource::FSIZE, 0, 0),
            (Resource::CORE, 0, 0),
            (Resource::MEMLOCK, 0, 0),
        ];
        for (resource, soft, hard) in limits {
            let (_, current_hard) = resource
                .get()
                .map_err(|e| format!("cannot read {resource:?}: {e}"))?;
            let hard = hard.min(current_hard);
            resource
                .set(soft.min(hard), hard)
                .map_err(|e| format!("cannot limit {resource:?}: {e}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter()
            .map(|a| a.into_string().expect("ascii"))
            .collect()
    }

    #[test]
    fn limits_survive_the_trip_through_arguments() {
        let limits = ParseLimits {
            max_memory: 123 << 20,
            timeout: Duration::from_millis(1500),
            read: ReadLimits {
                max_pages: 7,
                max_decoded_bytes: 99,
                max_text_bytes: 42,
            },
        };
        assert_eq!(
            ParseLimits::from_args(&strings(limits.to_args())),
            Ok(limits)
        );
        assert_eq!(limits.cpu_seconds(), 3);
    }

    #[test]
    fn missing_unknown_and_malformed_limits_are_refused() {
        let mut args = strings(ParseLimits::default().to_args());
        args.pop();
        assert!(ParseLimits::from_args(&args).is_err());
        args.push("--text=x".into());
        assert!(ParseLimits::from_args(&args).is_err());
        args.pop();
        args.push("--shell=1".into());
        assert!(ParseLimits::from_args(&args).is_err());
        args.pop();
        args.push("text=1".into());
        assert!(ParseLimits::from_args(&args).is_err());
    }
}
