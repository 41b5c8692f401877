/*!
The one job scheduler: a fixed number of workers take jobs longest first, with each job's
length estimated from the [`Durations`] remembered between runs, so a long job never starts
last and leaves every other worker idle at the end.

`regress` runs its (case, simulator) jobs through [`run_longest_first`]; `eval` runs its
calibrations and candidates through it, and its model runs (where a job exists only once the
model's reply arrives) bound their simulations with the same kind of [`Slots`].
*/

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Seconds each kind of job took last time, by key, persisted as a JSON map.
#[derive(Debug, Clone, Default)]
pub struct Durations {
    path: Option<PathBuf>,
    known: BTreeMap<String, f64>,
}

impl Durations {
    /// Read the durations at `path` (none yet, or no path: an empty table).
    pub fn load(path: Option<PathBuf>) -> Durations {
        let known = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        Durations { path, known }
    }

    pub fn get(&self, key: &str) -> Option<f64> {
        self.known.get(key).copied()
    }

    pub fn record(&mut self, key: String, seconds: f64) {
        if seconds > 0.0 {
            self.known.insert(key, seconds);
        }
    }

    /// Write the table back, merged over what another run may have saved meanwhile.
    pub fn save(&self) {
        let Some(p) = &self.path else { return };
        let mut on_disk: BTreeMap<String, f64> = std::fs::read_to_string(p)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        on_disk.extend(self.known.iter().map(|(k, v)| (k.clone(), *v)));
        if let Ok(text) = serde_json::to_string(&on_disk) {
            let _ = crate::util::write_atomic(p, text);
        }
    }
}

/// Run `work` on every job, at most `parallel` at once, in order of decreasing `estimate`;
/// `done` sees each job's result on the caller's task as it finishes. The first error (from
/// `work` or `done`) stops the run: no new job starts and the running ones are cancelled
/// (their child processes die with them).
pub async fn run_longest_first<J, T, E, W, Fut>(
    jobs: Vec<J>,
    parallel: usize,
    estimate: impl Fn(&J) -> f64,
    work: W,
    mut done: impl FnMut(J, T) -> Result<(), E>,
) -> Result<(), E>
where
    J: Clone + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
    W: Fn(J) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    let mut jobs: Vec<(f64, J)> = jobs.into_iter().map(|j| (estimate(&j), j)).collect();
    // stable: equal estimates keep the caller's order
    jobs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let queue: Arc<Mutex<VecDeque<J>>> =
        Arc::new(Mutex::new(jobs.into_iter().map(|(_, j)| j).collect()));
    let work = Arc::new(work);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(J, Result<T, E>)>();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..parallel.max(1) {
        let (queue, work, tx) = (queue.clone(), work.clone(), tx.clone());
        workers.spawn(async move {
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some(job) = next else { break };
                let r = work(job.clone()).await;
                if tx.send((job, r)).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    while let Some((job, r)) = rx.recv().await {
        let outcome = r.and_then(|t| done(job, t));
        if let Err(e) = outcome {
            if let Ok(mut q) = queue.lock() {
                q.clear();
            }
            workers.abort_all();
            return Err(e);
        }
    }
    while let Some(r) = workers.join_next().await {
        if let Err(e) = r
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    Ok(())
}

/// At most N of something at once (simulations, while model replies arrive at their own pace).
#[derive(Debug, Clone)]
pub struct Slots(Arc<tokio::sync::Semaphore>);

impl Slots {
    pub fn new(n: usize) -> Slots {
        Slots(Arc::new(tokio::sync::Semaphore::new(n.max(1))))
    }

    /// Wait for a free slot; it is given back when the guard drops.
    pub async fn acquire(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.0
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }
}

/// Parallel compile jobs for each of `jobs` simultaneous simulations: the cores shared out.
pub fn build_jobs_per_job(jobs: usize) -> usize {
    (cores() / jobs.max(1)).max(1)
}

/// The number of CPUs this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_worker_takes_jobs_longest_first() {
        let mut order = Vec::new();
        run_longest_first(
            vec![("a", 1.0), ("b", 3.0), ("c", 2.0), ("d", 3.0)],
            1,
            |j| j.1,
            |j| async move { Ok::<_, String>(j.0) },
            |_, name| {
                order.push(name);
                Ok(())
            },
        )
        .await
        .unwrap();
        assert_eq!(order, ["b", "d", "c", "a"]);
    }

    #[tokio::test]
    async fn never_more_than_parallel_at_once_and_every_job_done() {
        let live = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (l2, p2) = (live.clone(), peak.clone());
        let mut n = 0;
        run_longest_first(
            (0..20).collect::<Vec<u32>>(),
            3,
            |_| 0.0,
            move |_| {
                let (live, peak) = (l2.clone(), p2.clone());
                async move {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = live.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    tokio::task::yield_now().await;
                    live.fetch_sub(1, SeqCst);
                    Ok::<_, String>(())
                }
            },
            |_, _| {
                n += 1;
                Ok(())
            },
        )
        .await
        .unwrap();
        assert_eq!(n, 20);
        assert!(peak.load(std::sync::atomic::Ordering::SeqCst) <= 3);
    }

    #[tokio::test]
    async fn the_first_error_stops_the_run() {
        let mut seen = 0;
        let r = run_longest_first(
            (0..10).collect::<Vec<u32>>(),
            1,
            |j| -f64::from(*j),
            |j| async move {
                if j == 2 {
                    Err(format!("job {j}"))
                } else {
                    Ok(j)
                }
            },
            |_, _| {
                seen += 1;
                Ok(())
            },
        )
        .await;
        assert_eq!(r, Err("job 2".to_string()));
        assert_eq!(seen, 2);
    }

    #[test]
    fn durations_persist_and_merge() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("durations.json");
        let mut a = Durations::load(Some(p.clone()));
        a.record("x".into(), 2.0);
        a.save();
        let mut b = Durations::load(Some(p.clone()));
        assert_eq!(b.get("x"), Some(2.0));
        b.record("y".into(), 1.0);
        b.record("zero".into(), 0.0);
        b.save();
        let c = Durations::load(Some(p));
        assert_eq!(
            (c.get("x"), c.get("y"), c.get("zero")),
            (Some(2.0), Some(1.0), None)
        );
    }
}
