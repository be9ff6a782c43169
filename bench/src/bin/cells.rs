//! Runs one cell a given number of times, for `callgrind.sh`: instructions per operation are the
//! difference between two runs divided by the difference in iterations, so start-up, argument
//! parsing and the first-use costs (thread-locals, random seeding) cancel out.
//!
//! `cells <workload.way> <iterations>` runs a cell; `cells list` prints every cell id;
//! `cells check` runs each once and checks its value; `cells sizes` prints the W5 sizes.

use std::hint::black_box;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["list"] => {
            for cell in retry_bench::cells() {
                println!("{}", cell.id());
            }
        }
        ["check"] => {
            for cell in retry_bench::cells() {
                let got = (cell.run)(7);
                if got != cell.expect {
                    eprintln!("{}: got {got}, expected {}", cell.id(), cell.expect);
                    return ExitCode::FAILURE;
                }
            }
        }
        ["sizes"] => {
            for size in retry_bench::future_sizes() {
                println!("{}\t{}\t{}", size.way, size.sleeper, size.bytes);
            }
        }
        [id, iterations] => {
            let (Some(cell), Ok(iterations)) = (retry_bench::cell(id), iterations.parse::<u64>()) else {
                eprintln!("usage: cells <workload.way> <iterations>  (ids: cells list)");
                return ExitCode::FAILURE;
            };
            // A fixed argument: some operations' cost depends on nothing else, and the
            // difference of two runs must only count the extra iterations.
            let mut sum = 0u64;
            for _ in 0..iterations {
                sum = sum.wrapping_add((cell.run)(black_box(7)));
            }
            black_box(sum);
        }
        _ => {
            eprintln!("usage: cells <workload.way> <iterations> | list | check | sizes");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
