//! Wall-clock helpers: Unix seconds/milliseconds and the UTC calendar date TC3 signs with.

use std::time::{SystemTime, UNIX_EPOCH};

/// The clock task leases are taken and renewed on: the system's or, in tests, one the test
/// moves, so that a lease can expire without the test waiting for it.
#[derive(Clone, Debug, Default)]
pub(crate) enum LeaseClock {
    #[default]
    System,
    #[cfg(test)]
    Manual(std::sync::Arc<std::sync::atomic::AtomicI64>),
}

impl LeaseClock {
    pub(crate) fn now(&self) -> i64 {
        match self {
            Self::System => unix_now(),
            #[cfg(test)]
            Self::Manual(now) => now.load(std::sync::atomic::Ordering::SeqCst),
        }
    }
}

/// Seconds since the Unix epoch (0 for a clock set before 1970).
pub fn unix_now() -> i64 {
    unix_seconds(SystemTime::now())
}

pub fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            i64::try_from(before.duration().as_secs()).map_or(i64::MIN, i64::wrapping_neg)
        }
    }
}

/// Milliseconds since the Unix epoch, negative before it.
pub fn unix_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
        Err(before) => {
            i64::try_from(before.duration().as_millis()).map_or(i64::MIN, i64::wrapping_neg)
        }
    }
}

/// `YYYY-MM-DD` of a Unix timestamp in UTC (proleptic Gregorian; Howard Hinnant's civil_from_days).
// `days` is within ±1.1e14 for any i64 input, so no step below comes near overflow.
#[allow(clippy::arithmetic_side_effects)]
pub fn utc_date(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_767_225_599), "2025-12-31");
        assert_eq!(utc_date(-1), "1969-12-31");
    }
}
