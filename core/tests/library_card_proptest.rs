//! Properties of library card numbers over random schemes, serials and input:
//! every issued number parses back from each of its forms, Luhn catches every
//! single changed digit, detection finds the scheme numbers were issued
//! under, and nothing panics on arbitrary input.

/// Named so that `cargo test library_card` selects these tests.
mod library_card {
    use proptest::prelude::*;
    use shiori_core::library_card::render::codabar_svg;
    use shiori_core::library_card::{
        detect_schemes, BarcodeStyle, CardNumberError, CardNumberScheme, CardNumberSchemeConfig,
        CheckDigitScheme, Codabar, LibraryCardNumber, StartStop,
    };

    fn start_stop() -> impl Strategy<Value = StartStop> {
        prop::sample::select(StartStop::ALL.to_vec())
    }

    fn scheme() -> impl Strategy<Value = CardNumberScheme> {
        (
            "[0-9]{0,4}",
            4usize..=20,
            prop::sample::select(CheckDigitScheme::ALL.to_vec()),
            start_stop(),
            start_stop(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_filter_map(
                "scheme must be valid",
                |(prefix, length, check, start, stop, zero_pad, in_bars, hyphen)| {
                    let mut config = CardNumberSchemeConfig::new(length, check);
                    config.prefix = prefix;
                    config.start = start;
                    config.stop = stop;
                    config.zero_pad = zero_pad;
                    config.check_in_barcode = in_bars;
                    config.hyphen_before_check = hyphen;
                    CardNumberScheme::new(config).ok()
                },
            )
    }

    /// A scheme and a number issued by it.
    fn issued() -> impl Strategy<Value = (CardNumberScheme, LibraryCardNumber)> {
        (scheme(), any::<u64>()).prop_filter_map("M11 may skip", |(scheme, raw)| {
            let max = scheme.max_serial();
            let serial = if max == u64::MAX {
                raw
            } else {
                raw % (max + 1)
            };
            let number = scheme.issue(serial).ok()?;
            Some((scheme, number))
        })
    }

    fn full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
                c => c,
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_issued_number_parses_back((scheme, number) in issued()) {
            let forms = [
                number.digits().to_owned(),
                number.human_readable(),
                number.barcode_payload(),
                number.barcode_payload().to_lowercase(),
                format!(" {}\r\n", number.barcode_payload()),
                full_width(&number.human_readable()),
            ];
            for form in forms {
                prop_assert_eq!(scheme.parse(&form), Ok(number.clone()), "form {:?}", form);
            }
            prop_assert!(number.digits().len() <= scheme.config().length);
        prop_assert!(number.digits().len() >= 4, "too short for scanners");
            prop_assert!(number.digits().starts_with(scheme.config().prefix.as_str()));
            prop_assert_eq!(
                scheme.serial_of(&number).and_then(|s| scheme.issue(s).ok()),
                Some(number.clone())
            );
            // The barcode payload is a valid Codabar symbol that renders.
            let symbol = Codabar::from_payload(&number.barcode_payload());
            prop_assert_eq!(symbol, Ok(number.barcode()));
            prop_assert!(number.to_svg(&BarcodeStyle::default()).is_ok());
        }

        #[test]
        fn luhn_detects_every_single_changed_digit(
            serial in 0u64..10_000_000,
            position in 0usize..10,
            replacement in 0u32..10,
        ) {
            let mut config = CardNumberSchemeConfig::new(10, CheckDigitScheme::M10w21Split);
            config.prefix = "21".into();
            let scheme = CardNumberScheme::new(config).expect("valid");
            let number = scheme.issue(serial).expect("issue");
            let mut digits: Vec<char> = number.digits().chars().collect();
            let new = char::from_digit(replacement, 10).expect("digit");
            prop_assume!(digits[position] != new);
            digits[position] = new;
            let changed: String = digits.into_iter().collect();
            let result = scheme.parse(&changed).map(|_| ());
            if position < 2 {
                let wrong_prefix = matches!(result, Err(CardNumberError::WrongPrefix { .. }));
                prop_assert!(wrong_prefix, "{}: {:?}", changed, result);
            } else {
                prop_assert_eq!(result, Err(CardNumberError::BadCheckDigit), "{}", changed);
            }
        }

        #[test]
        fn detection_finds_the_issuing_scheme(
            scheme in scheme().prop_filter("has a check", |s| s.check_digit().has_check()),
            serials in prop::collection::vec(any::<u64>(), 1..20),
        ) {
            let max = scheme.max_serial();
            let numbers: Vec<String> = serials
                .into_iter()
                .filter_map(|raw| {
                    let serial = if max == u64::MAX { raw } else { raw % (max + 1) };
                    scheme.issue(serial).ok()
                })
                .map(|n| n.human_readable())
                .collect();
            prop_assume!(!numbers.is_empty());
            let config = scheme.config();
            let found = detect_schemes(&numbers, config.start, config.stop);
            prop_assert!(found.contains(&scheme.check_digit()), "{:?} in {:?}", scheme.check_digit(), found);
        }

        #[test]
        fn no_panic_on_arbitrary_input(scheme in scheme(), input in any::<String>()) {
            if let Ok(number) = scheme.parse(&input) {
                prop_assert_eq!(scheme.parse(number.digits()), Ok(number.clone()));
            }
            let _ = detect_schemes([input.as_str()], StartStop::A, StartStop::A);
            if let Ok(symbol) = Codabar::from_payload(&input) {
                prop_assert!(codabar_svg(&symbol, Some(&input), &BarcodeStyle::default()).is_ok());
            }
        }

        #[test]
        fn no_panic_on_scanner_like_input(
            scheme in scheme(),
            input in "[0-9A-Da-d\\-$:/.+ ー０-９\u{3000}]{0,40}",
        ) {
            match scheme.parse(&input) {
                Ok(number) => {
                    prop_assert_eq!(scheme.parse(&number.human_readable()), Ok(number.clone()));
                    prop_assert_eq!(scheme.parse(&number.barcode_payload()), Ok(number.clone()));
                }
                Err(e) => prop_assert!(!e.code().is_empty() && !e.to_string().is_empty()),
            }
            let _ = detect_schemes(input.split(' '), StartStop::B, StartStop::D);
        }
    }
}
