//! Document dates (`meta.date`) for the quotes-over-time chart: parsing the leading
//! `YYYY-MM-DD` or `YYYY-MM` of whatever date string the input carried, and bucketing by day,
//! month or year depending on the range covered.

/// A calendar date, possibly only to the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateKey {
    /// Year.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, when the date has one.
    pub day: Option<u32>,
}

/// Spans of at most this many days are bucketed by day.
const MAX_DAY_BUCKETS: i64 = 92;
/// Spans of at most this many months are bucketed by month; longer ones by year.
const MAX_MONTH_BUCKETS: i64 = 240;

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl DateKey {
    /// Parses the leading `YYYY-MM-DD` or `YYYY-MM` of `s` (`2022-01-11T09:00Z` gives the
    /// 11th); anything else, or an impossible month or day, gives `None`.
    pub fn parse(s: &str) -> Option<DateKey> {
        let s = s.trim();
        let year = digits(s.get(0..4)?)?;
        if s.get(4..5)? != "-" {
            return None;
        }
        let month = digits(s.get(5..7)?)?;
        if !(1..=12).contains(&month) {
            return None;
        }
        let rest = s.get(7..).unwrap_or("");
        let day = match rest.strip_prefix('-') {
            Some(d) => {
                let day = digits(d.get(0..2)?)?;
                if day == 0 || day > days_in_month(year as i32, month) {
                    return None;
                }
                // `2022-01-115` is not a date.
                if d.get(2..3)
                    .is_some_and(|c| c.bytes().all(|b| b.is_ascii_digit()))
                {
                    return None;
                }
                Some(day)
            }
            None if rest.starts_with(|c: char| c.is_ascii_digit()) => return None,
            None => None,
        };
        Some(DateKey {
            year: year as i32,
            month,
            day,
        })
    }

    fn month_index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number from [`days_from_civil`].
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

/// How dates were grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One bucket per day.
    Day,
    /// One bucket per month.
    Month,
    /// One bucket per year.
    Year,
}

/// Groups dated counts into consecutive buckets, empty ones included so that gaps show:
/// by day when every date has a day and they span at most about three months, else by month,
/// or by year over twenty years. Returns the granularity and `(label, count)` in order.
pub fn buckets<'a>(
    dates: impl IntoIterator<Item = (&'a DateKey, &'a u64)>,
) -> (Granularity, Vec<(String, u64)>) {
    let dates: Vec<(DateKey, u64)> = dates.into_iter().map(|(k, v)| (*k, *v)).collect();
    let (Some(first), Some(last)) = (
        dates.iter().map(|d| d.0).min(),
        dates.iter().map(|d| d.0).max(),
    ) else {
        return (Granularity::Day, Vec::new());
    };
    let day_of = |k: DateKey| k.day.map(|d| days_from_civil(k.year, k.month, d));
    if let (Some(a), Some(b), true) = (
        day_of(first),
        day_of(last),
        dates.iter().all(|d| d.0.day.is_some()),
    ) {
        if b - a < MAX_DAY_BUCKETS {
            let mut counts = vec![0u64; (b - a + 1) as usize];
            for (k, n) in &dates {
                if let Some(d) = day_of(*k) {
                    counts[(d - a) as usize] += n;
                }
            }
            let out = counts
                .into_iter()
                .enumerate()
                .map(|(i, n)| {
                    let (y, m, d) = civil_from_days(a + i as i64);
                    (format!("{y:04}-{m:02}-{d:02}"), n)
                })
                .collect();
            return (Granularity::Day, out);
        }
    }
    let (a, b) = (first.month_index(), last.month_index());
    if b - a < MAX_MONTH_BUCKETS {
        let mut counts = vec![0u64; (b - a + 1) as usize];
        for (k, n) in &dates {
            counts[(k.month_index() - a) as usize] += n;
        }
        let out = counts
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let idx = a + i as i64;
                (
                    format!("{:04}-{:02}", idx.div_euclid(12), idx.rem_euclid(12) + 1),
                    n,
                )
            })
            .collect();
        return (Granularity::Month, out);
    }
    let (a, b) = (first.year, last.year);
    let mut counts = vec![0u64; (b - a + 1) as usize];
    for (k, n) in &dates {
        counts[(k.year - a) as usize] += n;
    }
    let out = counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| (format!("{:04}", a + i as i32), n))
        .collect();
    (Granularity::Year, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn key(s: &str) -> DateKey {
        DateKey::parse(s).unwrap()
    }

    #[test]
    fn parses_leading_dates_only() {
        assert_eq!(
            key("2022-01-11T09:30:00Z"),
            DateKey {
                year: 2022,
                month: 1,
                day: Some(11)
            }
        );
        assert_eq!(key("2021-07").day, None);
        assert_eq!(key(" 2024-02-29 ").day, Some(29));
        for bad in [
            "", "2022", "2022-13-01", "2023-02-29", "11/01/2022", "2022-01-115",
        ] {
            assert_eq!(DateKey::parse(bad), None, "{bad}");
        }
        assert_eq!(DateKey::parse("2022-011"), None);
    }

    #[test]
    fn short_ranges_bucket_by_day_with_gaps_filled() {
        let mut m = BTreeMap::new();
        m.insert(key("2024-02-27"), 2);
        m.insert(key("2024-03-01"), 5);
        let (g, b) = buckets(&m);
        assert_eq!(g, Granularity::Day);
        let labels: Vec<&str> = b.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            labels,
            ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"]
        );
        assert_eq!(b.iter().map(|x| x.1).collect::<Vec<_>>(), [2, 0, 0, 5]);
    }

    #[test]
    fn long_ranges_and_month_only_dates_bucket_by_month_or_year() {
        let mut m = BTreeMap::new();
        m.insert(key("2023-11-30"), 1);
        m.insert(key("2024-02-01"), 1);
        m.insert(key("2024-02"), 3);
        let (g, b) = buckets(&m);
        assert_eq!(g, Granularity::Month);
        assert_eq!(
            b,
            [
                ("2023-11", 1),
                ("2023-12", 0),
                ("2024-01", 0),
                ("2024-02", 4)
            ]
            .map(|(l, n)| (l.to_string(), n))
        );
        let mut m = BTreeMap::new();
        m.insert(key("1990-05-01"), 1);
        m.insert(key("2024-02-01"), 1);
        let (g, b) = buckets(&m);
        assert_eq!(g, Granularity::Year);
        assert_eq!(b.len(), 35);
        assert_eq!(buckets(&BTreeMap::new()).1, vec![]);
    }

    #[test]
    fn day_numbers_round_trip() {
        for d in [-1000, 0, 19_000, 20_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
