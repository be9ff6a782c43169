// `until`: a value is retried while it is not ready; the last value is returned at the end.
#![deny(warnings)]

use retry_runtime::{retry, testing};

#[derive(Debug, PartialEq)]
enum Job {
    Pending(u32),
    Done,
}

impl Job {
    fn is_done(&self) -> bool {
        *self == Job::Done
    }
}

#[retry(max_attempts = 5, base = "1ms", until = |job: &Job| job.is_done())]
fn poll(polls: &mut u32) -> Result<Job, String> {
    *polls += 1;
    Ok(if *polls < 3 {
        Job::Pending(*polls)
    } else {
        Job::Done
    })
}

#[retry(max_attempts = 3, base = "1ms", until = Job::is_done)]
fn never_ready(polls: &mut u32) -> Option<Job> {
    *polls += 1;
    Some(Job::Pending(*polls))
}

struct Queue {
    wanted: usize,
}

impl Queue {
    #[retry(max_attempts = 4, base = "1ms", until = |v: &Vec<u8>| v.len() >= self.wanted)]
    fn drain(&self, source: &mut Vec<u8>) -> Result<Vec<u8>, String> {
        Ok(source.drain(..1).collect::<Vec<u8>>().repeat(self.wanted))
    }
}

fn main() {
    let sleeps = testing::instant_sleep();
    let mut polls = 0;
    assert_eq!(poll(&mut polls), Ok(Job::Done));
    assert_eq!(polls, 3);
    let mut polls = 0;
    assert_eq!(never_ready(&mut polls), Some(Job::Pending(3)));
    assert_eq!(Queue { wanted: 2 }.drain(&mut vec![1, 2]), Ok(vec![1, 1]));
    assert_eq!(sleeps.delays().len(), 2 + 2);
}
