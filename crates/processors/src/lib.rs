//! The processors that ship with jobcast: each kind is one `Processor` in its
//! own module. Processors report through their `JobContext` only; they never
//! touch the store, the bus or the network of other jobs, and they leave
//! retries and the end of the job to the worker.

mod demo;

pub use demo::DemoSteps;

use jobcast_core::Processors;

/// Every kind that ships, registered.
pub fn builtin() -> Processors {
    Processors::new().with(DemoSteps)
}
