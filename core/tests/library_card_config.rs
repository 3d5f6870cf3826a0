//! The configuration example in `docs/library-cards.md` deserializes into a
//! working [`CardNumberScheme`], so the page cannot drift from the code.

/// Named so that `cargo test library_card` selects these tests.
mod library_card {
    use shiori_core::library_card::{CardNumberScheme, CheckDigitScheme, StartStop};

    /// The `[library_card]` table of every ```toml block in the page.
    fn documented_schemes() -> Vec<CardNumberScheme> {
        let page = include_str!("../../docs/library-cards.md");
        page.split("```toml\n")
            .skip(1)
            .filter_map(|block| block.split("```").next())
            .map(|toml_text| {
                #[derive(serde::Deserialize)]
                struct File {
                    library_card: CardNumberScheme,
                }
                toml::from_str::<File>(toml_text)
                    .unwrap_or_else(|e| {
                        panic!("documented config does not parse: {e}\n{toml_text}")
                    })
                    .library_card
            })
            .collect()
    }

    #[test]
    fn documented_example_works() {
        let schemes = documented_schemes();
        assert_eq!(schemes.len(), 1);
        let scheme = &schemes[0];
        assert_eq!(scheme.check_digit(), CheckDigitScheme::SevenDsr);
        assert_eq!(scheme.config().start, StartStop::A);
        let card = scheme.issue(25303).expect("issue");
        assert_eq!(card.human_readable(), "029025303-1");
        assert_eq!(scheme.parse("A0290253031A"), Ok(card));
    }

    #[test]
    fn minimal_toml_uses_the_defaults_and_round_trips() {
        let scheme: CardNumberScheme =
            toml::from_str("length = 8\ncheck_digit = \"m10w21_split\"\n").expect("parse");
        let config = scheme.config();
        assert_eq!((config.start, config.stop), (StartStop::A, StartStop::A));
        assert!(config.zero_pad && config.check_in_barcode && !config.hyphen_before_check);
        assert_eq!(config.prefix, "");
        let text = toml::to_string(&scheme).expect("serialize");
        assert_eq!(toml::from_str::<CardNumberScheme>(&text), Ok(scheme));
    }

    #[test]
    fn invalid_toml_config_is_rejected_with_the_reason() {
        let err = toml::from_str::<CardNumberScheme>(
            "prefix = \"0290\"\nlength = 5\ncheck_digit = \"m11\"\n",
        )
        .expect_err("no room");
        assert!(err.to_string().contains("no room for a serial"), "{err}");
    }
}
