//! Small server-side SVG charts: horizontal bars of a rate per unit, and cumulative lines against each other.
//! Labels are escaped here; the result is inserted into templates as trusted markup.

use mtqg_core::vi;

/// Escapes text for SVG content and attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar: label, rate (0–1+), whether to highlight it (below the average).
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) rate: Option<f64>,
    pub(crate) highlight: bool,
}

/// Horizontal bars of rates with a marker at `average`; `title` names the chart for screen readers.
pub(crate) fn rate_bars(title: &str, bars: &[Bar], average: Option<f64>) -> String {
    let row = 20.0;
    let label_width = 190.0;
    let bar_width = 420.0;
    let height = row * bars.len() as f64 + 24.0;
    let max = bars
        .iter()
        .filter_map(|bar| bar.rate)
        .fold(1.0_f64, f64::max);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {height}\" width=\"100%\" role=\"img\" aria-label=\"{title}\">",
        w = label_width + bar_width + 70.0,
        title = escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{}</text>",
            label_width - 6.0,
            y + 13.0,
            escape(&bar.label)
        ));
        if let Some(rate) = bar.rate {
            let width = (rate / max * bar_width).max(1.0);
            svg.push_str(&format!(
                "<rect x=\"{label_width}\" y=\"{y}\" width=\"{width:.1}\" height=\"{}\" class=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{}\" class=\"value\">{}</text>",
                row - 6.0,
                if bar.highlight { "bar low" } else { "bar" },
                label_width + width + 4.0,
                y + 13.0,
                vi::format_percent(rate)
            ));
        } else {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" class=\"value\">chưa có kế hoạch</text>",
                label_width + 4.0,
                y + 13.0
            ));
        }
    }
    if let Some(average) = average {
        let x = label_width + average / max * bar_width;
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{}\" class=\"average\"/>\
             <text x=\"{:.1}\" y=\"{}\" class=\"value\">bình quân {}</text>",
            height - 14.0,
            x + 3.0,
            height - 2.0,
            vi::format_percent(average)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// One series of a line chart.
pub(crate) struct Series {
    pub(crate) name: &'static str,
    pub(crate) class: &'static str,
    pub(crate) values: Vec<f64>,
}

/// Cumulative lines over months, with a legend; `labels` name the points ("T1", "T2", …).
pub(crate) fn lines(title: &str, labels: &[String], series: &[Series], unit: &str) -> String {
    let (width, height, left, bottom) = (640.0, 240.0, 70.0, 30.0);
    let max = series
        .iter()
        .flat_map(|series| series.values.iter().copied())
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let n = labels.len().max(2) as f64;
    let x = |i: usize| left + i as f64 * (width - left - 10.0) / (n - 1.0);
    let y = |value: f64| (height - bottom) - value / max * (height - bottom - 20.0);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    for step in 0..=4 {
        let value = max * step as f64 / 4.0;
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"grid\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" class=\"value\">{}</text>",
            width - 10.0,
            y(value),
            y(value),
            left - 4.0,
            y(value) + 4.0,
            vi::format_number(value, 0)
        ));
    }
    for (i, label) in labels.iter().enumerate() {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" class=\"value\">{}</text>",
            x(i),
            height - 10.0,
            escape(label)
        ));
    }
    for (k, series) in series.iter().enumerate() {
        let points: Vec<String> = series
            .values
            .iter()
            .enumerate()
            .map(|(i, value)| format!("{:.1},{:.1}", x(i), y(*value)))
            .collect();
        svg.push_str(&format!(
            "<polyline points=\"{}\" class=\"line {}\"/>\
             <text x=\"{}\" y=\"{}\" class=\"legend {}\">■ {}</text>",
            points.join(" "),
            series.class,
            left + 10.0 + k as f64 * 200.0,
            14,
            series.class,
            escape(series.name)
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{}\" y=\"14\" text-anchor=\"end\" class=\"value\">{}</text></svg>",
        width - 10.0,
        escape(unit)
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_rates_printed_the_vietnamese_way() {
        let svg = rate_bars(
            "Tỷ lệ giải ngân theo đơn vị",
            &[
                Bar {
                    label: "Xã <A>".to_owned(),
                    rate: Some(0.436),
                    highlight: true,
                },
                Bar {
                    label: "Xã B".to_owned(),
                    rate: None,
                    highlight: false,
                },
            ],
            Some(0.5),
        );
        assert!(svg.contains("Xã &lt;A&gt;") && !svg.contains("<A>"));
        assert!(
            svg.contains("43,6%")
                && svg.contains("bình quân 50%")
                && svg.contains("chưa có kế hoạch")
        );
        assert!(svg.contains("bar low"));
    }

    #[test]
    fn a_line_chart_has_one_polyline_per_series() {
        let svg = lines(
            "Lũy kế",
            &["T1".to_owned(), "T2".to_owned()],
            &[
                Series {
                    name: "Giải ngân",
                    class: "done",
                    values: vec![0.0, 10.0],
                },
                Series {
                    name: "Cam kết",
                    class: "plan",
                    values: vec![5.0, 20.0],
                },
            ],
            "triệu đồng",
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
    }
}
