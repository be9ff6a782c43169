//! The SVG charts under `docs/`. Plotters' SVG backend writes labels as `<text>` elements, so
//! nothing here needs fonts or system libraries.

use std::error::Error;
use std::ops::Range;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::contention::{self, Point, Strategy};
use crate::outage::{self, Outcome};

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;

const SIZE: (u32, u32) = (800, 500);
const COLORS: [RGBColor; 5] = [
    RGBColor(0x6b, 0x6b, 0x6b),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
];

/// One line of a chart: a label and its points.
struct Series {
    label: String,
    points: Vec<(f64, f64)>,
}

fn contention_series(points: &[Point], y: impl Fn(&Point) -> f64) -> Vec<Series> {
    Strategy::ALL
        .iter()
        .map(|&strategy| Series {
            label: strategy.label().to_string(),
            points: points
                .iter()
                .filter(|p| p.strategy == strategy)
                .map(|p| (p.clients as f64, y(p)))
                .collect(),
        })
        .collect()
}

/// Calls vs clients, per strategy.
pub fn contention_calls(path: &Path, points: &[Point]) -> Result {
    let series = contention_series(points, |p| p.calls);
    let top = max_y(&series) * 1.08;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = frame(&root, "Contention: writes until every client succeeded")
        .build_cartesian_2d(x_clients(), 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("clients")
        .y_desc(format!("calls (mean of {} runs)", contention::RUNS))
        .x_label_formatter(&whole)
        .y_label_formatter(&whole)
        .draw()?;
    lines(&mut chart, &series, true)?;
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}

/// Completion time vs clients, per strategy, on a log scale: un-jittered exponential backoff
/// takes ten times longer than the rest.
pub fn contention_time(path: &Path, points: &[Point]) -> Result {
    let series = contention_series(points, |p| p.time.as_secs_f64());
    let low = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(f64::INFINITY, f64::min);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = frame(&root, "Contention: time until the last client succeeded")
        .build_cartesian_2d(x_clients(), (low * 0.8..max_y(&series) * 1.25).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("clients")
        .y_desc("seconds, simulated (log scale)")
        .x_label_formatter(&whole)
        .y_label_formatter(&|y| format!("{y}"))
        .draw()?;
    lines(&mut chart, &series, true)?;
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}

/// Attempts per second reaching the dependency, one line per protection setting, with the
/// outage shaded.
pub fn outage(path: &Path, outcomes: &[Outcome]) -> Result {
    let end = outage::END.as_secs();
    let series: Vec<Series> = outcomes
        .iter()
        .map(|o| Series {
            label: o.setting.label(),
            points: (0..end)
                .map(|s| (s as f64 + 0.5, o.per_second[s as usize] as f64))
                .collect(),
        })
        .collect();
    let top = max_y(&series) * 1.15;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = frame(&root, "Outage: attempts per second reaching the dependency")
        .build_cartesian_2d(0.0..end as f64, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("seconds, simulated")
        .y_desc("attempts per second")
        .x_label_formatter(&whole)
        .y_label_formatter(&whole)
        .draw()?;
    let (from, to) = (
        outage::OUTAGE_START.as_secs_f64(),
        outage::OUTAGE_END.as_secs_f64(),
    );
    chart
        .draw_series([Rectangle::new(
            [(from, 0.0), (to, top)],
            RGBColor(0xd6, 0x27, 0x28).mix(0.08).filled(),
        )])?
        .label("dependency down (every call refused)")
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 5), (x + 20, y + 5)],
                RGBColor(0xd6, 0x27, 0x28).mix(0.2).filled(),
            )
        });
    lines(&mut chart, &series[..], false)?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present()?;
    Ok(())
}

fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60);
    builder
}

fn whole(x: &f64) -> String {
    format!("{x:.0}")
}

fn x_clients() -> Range<f64> {
    let (first, last) = (
        contention::CLIENTS[0],
        contention::CLIENTS[contention::CLIENTS.len() - 1],
    );
    first as f64 - 2.0..last as f64 + 2.0
}

fn max_y(series: &[Series]) -> f64 {
    series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(1.0, f64::max)
}

fn lines<'a, DB, CT>(chart: &mut ChartContext<'a, DB, CT>, series: &[Series], markers: bool) -> Result
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: CoordTranslate<From = (f64, f64)>,
{
    for (i, s) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2)))?
            .label(s.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        if markers {
            chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
    }
    Ok(())
}

fn legend<'a, DB, CT>(chart: &mut ChartContext<'a, DB, CT>, position: SeriesLabelPosition) -> Result
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    Ok(())
}
