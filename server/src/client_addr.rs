//! The client address that per-address limits count by ([`ClientAddr`]).
//!
//! It is the peer of the TCP connection (axum's `ConnectInfo`, set by
//! [`crate::serve`] for every connection), except when that peer is one of
//! the configured `trusted_proxies`: then it is the rightmost
//! `X-Forwarded-For` entry that is not itself a trusted proxy. Entries left
//! of it were written by the client and prove nothing; a peer that is not a
//! trusted proxy has its `X-Forwarded-For` ignored entirely, so a client
//! cannot pick the address it is counted under.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::state::AppState;

/// The address a request is counted under (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub(crate) IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(client_address(
            peer,
            &parts.headers,
            &state.config().trusted_proxies,
        )))
    }
}

/// The client address of a request from `peer` (`None` when served without
/// a socket, as in-process tests do: all such requests count as `0.0.0.0`).
pub(crate) fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpNet],
) -> IpAddr {
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    let is_trusted = |a: &IpAddr| trusted.iter().any(|net| net.contains(a));
    if !is_trusted(&peer) {
        return peer;
    }
    // Every X-Forwarded-For header, in order, as one comma-separated list.
    let entries = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut nearest = peer;
    for entry in entries.iter().rev() {
        let Some(addr) = parse_entry(entry) else {
            // A trusted proxy would not write this: count the request
            // under the last address a trusted hop vouched for.
            return nearest;
        };
        if !is_trusted(&addr) {
            return addr;
        }
        nearest = addr;
    }
    nearest
}

/// One `X-Forwarded-For` entry: an address, possibly with a port
/// (`192.0.2.1:1234`, `[2001:db8::1]:1234`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|a| a.to_canonical())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::client_address;
    use axum::http::{HeaderMap, HeaderValue};
    use ipnet::IpNet;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = xff(&["198.51.100.9"]);
        assert_eq!(
            client_address(Some(ip("203.0.113.5")), &h, &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_address(Some(ip("203.0.113.5")), &h, &[]),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_entry_counts() {
        let trusted: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "192.0.2.10/32".parse().unwrap(),
        ];
        // The client forged the first entry; the proxies appended the rest.
        let h = xff(&["1.1.1.1, 203.0.113.7", "192.0.2.10"]);
        assert_eq!(
            client_address(Some(ip("10.1.2.3")), &h, &trusted),
            ip("203.0.113.7")
        );
        // Ports and mapped addresses are understood.
        let h = xff(&["[2001:db8::5]:4711, ::ffff:10.9.9.9"]);
        assert_eq!(
            client_address(Some(ip("::ffff:10.1.2.3")), &h, &trusted),
            ip("2001:db8::5")
        );
        // Garbage stops the walk at the last trusted hop.
        let h = xff(&["203.0.113.7, garbage"]);
        assert_eq!(
            client_address(Some(ip("10.1.2.3")), &h, &trusted),
            ip("10.1.2.3")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(Some(ip("10.1.2.3")), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
    }
}
