//! `genTime` of a TSTInfo (RFC 3161 §2.4.2): a GeneralizedTime that may carry fractional
//! seconds.
//!
//! ```text
//! genTime GeneralizedTime   -- YYYYMMDDhhmmss[.s...]Z
//! ```
//!
//! RFC 5280 (and so der's `GeneralizedTime`) forbids the fraction, but TSAs write it
//! (`20260102030405.123Z`): refusing it would make their tokens unreadable.

use std::time::{Duration, SystemTime};

use der::{
    DateTime, DecodeValue, EncodeValue, ErrorKind, FixedTag, Header, Length, Reader, Tag, Writer,
};

/// `YYYYMMDDhhmmss` and `Z`.
const WHOLE_LEN: usize = 15;
/// Nanoseconds: the precision of `SystemTime`.
const MAX_FRACTION_DIGITS: usize = 9;
/// `.` and up to nine digits after the whole part.
const MAX_LEN: usize = WHOLE_LEN + 1 + MAX_FRACTION_DIGITS;
const NANOS_PER_SECOND: u32 = 1_000_000_000;

/// A GeneralizedTime in the RFC 3161 form: UTC (`Z`), whole seconds, an optional fraction.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Ord, PartialOrd)]
pub struct GenTime {
    whole: DateTime,
    /// Below one second.
    nanos: u32,
}

impl GenTime {
    /// `time` to the nanosecond; years 1970 to 9999.
    pub fn from_system_time(time: SystemTime) -> der::Result<Self> {
        let since_epoch = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| der::Error::from(ErrorKind::DateTime))?;
        let whole = DateTime::from_unix_duration(Duration::from_secs(since_epoch.as_secs()))?;
        Ok(Self {
            whole,
            nanos: since_epoch.subsec_nanos(),
        })
    }

    /// The instant, fraction included.
    pub fn to_system_time(self) -> SystemTime {
        let whole = self.whole.to_system_time();
        // Below one second after a year-9999 time at most: cannot overflow.
        whole
            .checked_add(Duration::from_nanos(u64::from(self.nanos)))
            .unwrap_or(whole)
    }

    /// The fraction's digits, without trailing zeros (RFC 3161 §2.4.2); empty when whole.
    fn fraction_digits(&self) -> String {
        if self.nanos == 0 {
            return String::new();
        }
        let digits = format!("{:09}", self.nanos);
        digits.trim_end_matches('0').to_owned()
    }
}

impl From<GenTime> for SystemTime {
    fn from(time: GenTime) -> Self {
        time.to_system_time()
    }
}

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

impl<'a> DecodeValue<'a> for GenTime {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let len = usize::try_from(header.length())?;
        if !(WHOLE_LEN..=MAX_LEN).contains(&len) {
            return Err(reader.error(Self::TAG.value_error()));
        }
        let mut buffer = [0u8; MAX_LEN];
        let text = reader.read_into(buffer.get_mut(..len).unwrap_or_default())?;
        parse(text).ok_or_else(|| reader.error(Self::TAG.value_error()))
    }
}

/// `YYYYMMDDhhmmss[.f...]Z`. Trailing zeros in the fraction, which RFC 3161 says to omit, are
/// accepted: the signature covers the bytes as written, and refusing would only lose a token.
fn parse(text: &[u8]) -> Option<GenTime> {
    let body = text.strip_suffix(b"Z")?;
    let (whole, fraction) = match body.split_first_chunk::<{ WHOLE_LEN - 1 }>() {
        Some((whole, [])) => (whole, None),
        Some((whole, [b'.', fraction @ ..])) => (whole, Some(fraction)),
        _ => return None,
    };
    let number = |range: std::ops::Range<usize>| -> Option<u16> {
        whole.get(range)?.iter().try_fold(0u16, |value, &digit| {
            value
                .checked_mul(10)?
                .checked_add(u16::from(decimal(digit)?))
        })
    };
    let whole = DateTime::new(
        number(0..4)?,
        u8::try_from(number(4..6)?).ok()?,
        u8::try_from(number(6..8)?).ok()?,
        u8::try_from(number(8..10)?).ok()?,
        u8::try_from(number(10..12)?).ok()?,
        u8::try_from(number(12..14)?).ok()?,
    )
    .ok()?;
    let nanos = match fraction {
        None => 0,
        Some(digits) => parse_fraction(digits)?,
    };
    Some(GenTime { whole, nanos })
}

/// One to nine digits after the point, as nanoseconds.
fn parse_fraction(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > MAX_FRACTION_DIGITS {
        return None;
    }
    let mut nanos = 0u32;
    let mut scale = NANOS_PER_SECOND;
    for &digit in digits {
        scale = scale.checked_div(10)?;
        nanos = nanos.checked_add(scale.checked_mul(u32::from(decimal(digit)?))?)?;
    }
    Some(nanos)
}

fn decimal(digit: u8) -> Option<u8> {
    digit.is_ascii_digit().then(|| digit.wrapping_sub(b'0'))
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        let fraction = self.fraction_digits().len();
        let len = match fraction {
            0 => Some(WHOLE_LEN),
            digits => WHOLE_LEN.checked_add(1).and_then(|n| n.checked_add(digits)),
        };
        Length::try_from(len.ok_or(ErrorKind::Overflow)?)
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        let t = &self.whole;
        let whole = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minutes(),
            t.seconds()
        );
        writer.write(whole.as_bytes())?;
        let fraction = self.fraction_digits();
        if !fraction.is_empty() {
            writer.write_byte(b'.')?;
            writer.write(fraction.as_bytes())?;
        }
        writer.write_byte(b'Z')
    }
}

#[cfg(test)]
mod tests {
    use der::{Decode, Encode};

    use super::*;

    fn element(text: &str) -> Vec<u8> {
        let mut der = vec![0x18, u8::try_from(text.len()).unwrap()];
        der.extend_from_slice(text.as_bytes());
        der
    }

    #[test]
    fn a_fraction_is_kept_and_written_back_without_trailing_zeros() {
        let time = GenTime::from_der(&element("20260102030405.123Z")).unwrap();
        let whole = GenTime::from_der(&element("20260102030405Z")).unwrap();
        assert_eq!(
            time.to_system_time()
                .duration_since(whole.to_system_time())
                .unwrap(),
            Duration::from_millis(123)
        );
        assert_eq!(time.to_der().unwrap(), element("20260102030405.123Z"));
        assert_eq!(whole.to_der().unwrap(), element("20260102030405Z"));
        let nanos = GenTime::from_der(&element("20260102030405.000000001Z")).unwrap();
        assert_eq!(nanos.nanos, 1);
        assert_eq!(
            nanos.to_der().unwrap(),
            element("20260102030405.000000001Z")
        );
    }

    #[test]
    fn trailing_zeros_are_read_and_dropped_when_written() {
        let time = GenTime::from_der(&element("20260102030405.1200Z")).unwrap();
        assert_eq!(time.nanos, 120_000_000);
        assert_eq!(time.to_der().unwrap(), element("20260102030405.12Z"));
        let zero = GenTime::from_der(&element("20260102030405.0Z")).unwrap();
        assert_eq!(zero.to_der().unwrap(), element("20260102030405Z"));
    }

    #[test]
    fn other_forms_are_refused() {
        for text in [
            "2026010203040Z",
            "20260102030405",
            "20260102030405.Z",
            "20260102030405,5Z",
            "20260102030405.1234567891Z",
            "20260102030405+0100",
            "2026010203040a.5Z",
            "20261302030405Z",
            "20260102030405.5",
            "19690102030405Z",
        ] {
            assert!(GenTime::from_der(&element(text)).is_err(), "{text}");
        }
        // Another tag than GeneralizedTime.
        let mut utc = element("260102030405Z");
        utc[0] = 0x17;
        assert!(GenTime::from_der(&utc).is_err());
    }

    #[test]
    fn system_time_round_trip_to_the_nanosecond() {
        let time = SystemTime::UNIX_EPOCH + Duration::new(1_800_000_000, 987_654_321);
        let gen_time = GenTime::from_system_time(time).unwrap();
        assert_eq!(SystemTime::from(gen_time), time);
        let der = gen_time.to_der().unwrap();
        assert_eq!(der, element("20270115080000.987654321Z"));
        assert_eq!(GenTime::from_der(&der).unwrap(), gen_time);
        assert!(
            GenTime::from_system_time(SystemTime::UNIX_EPOCH - Duration::from_secs(1)).is_err()
        );
    }
}
