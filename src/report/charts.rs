//! Horizontal bar charts for the HTML report, laid out here (pure) and drawn as inline SVG by the
//! template, so the page needs no script and no external file. Each row has its label on its own
//! line above its bars, so long SKU ids never collide with the bars.

use rust_decimal::Decimal;

/// Longest bar, in pixels.
const MAX_BAR: u32 = 460;
const BAR_HEIGHT: u32 = 14;
const BAR_GAP: u32 = 3;
const LABEL_HEIGHT: u32 = 16;
const ROW_GAP: u32 = 8;
pub const WIDTH: u32 = 720;

/// One bar series: its name and colour (shown in the legend).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub color: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub y: u32,
    pub width: u32,
    pub color: &'static str,
    /// The value as text, drawn right of the bar.
    pub text: String,
    pub text_x: u32,
    pub text_y: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub label_y: u32,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// For screen readers (`aria-label`).
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub series: Vec<Series>,
    pub rows: Vec<Row>,
}

/// Lays out `rows` of (label, one value per series, one text per series). Negative values draw
/// no bar (their text still says the amount); the longest bar is `MAX_BAR` pixels.
pub fn bars(
    title: &str,
    series: Vec<Series>,
    rows: Vec<(String, Vec<(Decimal, String)>)>,
) -> Chart {
    let max = rows
        .iter()
        .flat_map(|r| r.1.iter().map(|v| v.0))
        .max()
        .unwrap_or(Decimal::ZERO)
        .max(Decimal::ZERO);
    let mut y = 0u32;
    let mut out = Vec::with_capacity(rows.len());
    for (label, values) in rows {
        let label_y = y + 12;
        y += LABEL_HEIGHT;
        let bars = values
            .into_iter()
            .enumerate()
            .map(|(i, (v, text))| {
                let width = if max > Decimal::ZERO && v > Decimal::ZERO {
                    // At least one pixel, so a small positive amount is visibly not zero.
                    u32::try_from((v * Decimal::from(MAX_BAR) / max).round().mantissa())
                        .unwrap_or(0)
                        .max(1)
                } else {
                    0
                };
                let bar = Bar {
                    y,
                    width,
                    color: series.get(i).map_or("#0f6cbd", |s| s.color),
                    text,
                    text_x: width + 6,
                    text_y: y + BAR_HEIGHT - 3,
                };
                y += BAR_HEIGHT + BAR_GAP;
                bar
            })
            .collect();
        y += ROW_GAP;
        out.push(Row {
            label,
            label_y,
            bars,
        });
    }
    Chart {
        title: title.to_string(),
        width: WIDTH,
        height: y.max(1),
        series,
        rows: out,
    }
}

/// One coloured part of a stacked bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub x: u32,
    pub width: u32,
    pub color: &'static str,
}

/// A row of a stacked chart: one bar made of the series' segments, its total as text.
#[derive(Debug, Clone, PartialEq)]
pub struct StackRow {
    pub label: String,
    pub label_y: u32,
    pub y: u32,
    pub segments: Vec<Segment>,
    pub text: String,
    pub text_x: u32,
    pub text_y: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stacked {
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub series: Vec<Series>,
    pub rows: Vec<StackRow>,
}

/// Lays out stacked horizontal bars: each row is (label, one value per series, the text right
/// of the bar). Negative values draw nothing; a positive value draws at least one pixel; the
/// longest stack is `MAX_BAR` pixels.
pub fn stacked(
    title: &str,
    series: Vec<Series>,
    rows: Vec<(String, Vec<Decimal>, String)>,
) -> Stacked {
    let positive = |v: &Decimal| (*v).max(Decimal::ZERO);
    let max = rows
        .iter()
        .map(|r| r.1.iter().map(positive).sum::<Decimal>())
        .max()
        .unwrap_or(Decimal::ZERO);
    let mut y = 0u32;
    let mut out = Vec::with_capacity(rows.len());
    for (label, values, text) in rows {
        let label_y = y + 12;
        y += LABEL_HEIGHT;
        let mut x = 0u32;
        let segments = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > Decimal::ZERO && max > Decimal::ZERO)
            .map(|(i, v)| {
                let width = u32::try_from((*v * Decimal::from(MAX_BAR) / max).round().mantissa())
                    .unwrap_or(0)
                    .max(1);
                let seg = Segment {
                    x,
                    width,
                    color: series.get(i).map_or("#0f6cbd", |s| s.color),
                };
                x += width;
                seg
            })
            .collect();
        out.push(StackRow {
            label,
            label_y,
            y,
            segments,
            text,
            text_x: x + 6,
            text_y: y + BAR_HEIGHT - 3,
        });
        y += BAR_HEIGHT + ROW_GAP;
    }
    Stacked {
        title: title.to_string(),
        width: WIDTH,
        height: y.max(1),
        series,
        rows: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_segments_follow_each_other_and_scale_to_the_largest_stack() {
        let s = |n: &str| Series {
            name: n.into(),
            color: "#000000",
        };
        let c = stacked(
            "t",
            vec![s("licences"), s("voice"), s("sms")],
            vec![
                ("2026-09".into(), vec![d(300), d(100), d(60)], "460".into()),
                ("2026-10".into(), vec![d(200), d(0), d(-5)], "195".into()),
            ],
        );
        let first = &c.rows[0].segments;
        // 460 is the largest stack: 300, 100 and 60 of 460 pixels
        assert_eq!(
            first.iter().map(|g| (g.x, g.width)).collect::<Vec<_>>(),
            vec![(0, 300), (300, 100), (400, 60)]
        );
        assert_eq!(c.rows[0].text_x, 466);
        // a zero or negative value draws no segment
        assert_eq!(c.rows[1].segments.len(), 1);
        assert_eq!(c.rows[1].segments[0].width, 200);
        assert!(c.rows[1].y > c.rows[0].y + BAR_HEIGHT);
    }

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_never_go_negative() {
        let c = bars(
            "t",
            vec![Series {
                name: "a".into(),
                color: "#000000",
            }],
            vec![
                ("big".into(), vec![(d(200), "200".into())]),
                ("half".into(), vec![(d(100), "100".into())]),
                ("tiny".into(), vec![(Decimal::new(1, 2), "0.01".into())]),
                ("zero".into(), vec![(d(0), "0".into())]),
                ("negative".into(), vec![(d(-50), "-50".into())]),
            ],
        );
        let widths: Vec<u32> = c.rows.iter().map(|r| r.bars[0].width).collect();
        assert_eq!(widths, vec![MAX_BAR, MAX_BAR / 2, 1, 0, 0]);
        // rows do not overlap
        let ys: Vec<u32> = c.rows.iter().map(|r| r.label_y).collect();
        assert!(
            ys.windows(2)
                .all(|w| w[1] >= w[0] + LABEL_HEIGHT + BAR_HEIGHT)
        );
        assert!(c.height > c.rows[4].bars[0].y);
    }

    #[test]
    fn all_zero_draws_no_bars() {
        let c = bars("t", vec![], vec![("x".into(), vec![(d(0), "0".into())])]);
        assert_eq!(c.rows[0].bars[0].width, 0);
    }
}
