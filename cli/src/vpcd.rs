//! The vsmartcard **vpcd** protocol, card side: serve a simulated card to a
//! real `pcscd` through the `vsmartcard-vpcd` reader driver.
//!
//! The driver listens on TCP (port 35963 for reader "Virtual PCD 00 00",
//! 35964 for "… 00 01"); the card connects to it. Every message in either
//! direction is a 2-byte big-endian length followed by that many bytes:
//!
//! * a 1-byte message from the driver is a control code: `0` power off,
//!   `1` power on, `2` reset (none of these is answered), `4` "send your ATR"
//!   (answered with the ATR);
//! * a longer message is a command APDU, answered with the response APDU
//!   (data and status word).
//!
//! The driver polls for the card with ATR requests several times a second, so
//! latency matters: Nagle is off (`TCP_NODELAY`) and, on Linux, `TCP_QUICKACK`
//! is set again before every read, because the kernel clears it and a delayed
//! ACK otherwise costs ~40 ms per APDU.
//!
//! The protocol logic ([`serve`]) works on any `Read + Write` stream, so it is
//! unit-tested against an in-process listener playing the driver.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The card behind the vpcd connection: anything that can power up, present an
/// ATR and answer APDUs. `shiori_core::virtual_card::VirtualCard` is the one
/// Shiori serves.
pub trait SimulatedCard {
    /// The Answer To Reset the card presents.
    fn atr(&self) -> Vec<u8>;
    /// Contacts powered: the card starts with a fresh security state.
    fn power_on(&mut self);
    /// Contacts unpowered.
    fn power_off(&mut self);
    /// Warm reset: the security state is lost.
    fn reset(&mut self);
    /// Answer one command APDU with response bytes, status word included.
    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8>;
}

/// What the driver asked for, decoded from one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// `0`: power off. No answer.
    PowerOff,
    /// `1`: power on. No answer.
    PowerOn,
    /// `2`: warm reset. No answer.
    Reset,
    /// `4`: send the ATR.
    GetAtr,
    /// A 1-byte control code this client does not know. Ignored, unanswered.
    UnknownControl(u8),
    /// A command APDU to answer.
    Apdu(&'a [u8]),
    /// A zero-length message: nothing to do.
    Empty,
}

impl<'a> Request<'a> {
    /// Decode one message payload (without its length prefix).
    pub fn parse(payload: &'a [u8]) -> Self {
        match payload {
            [] => Request::Empty,
            [0] => Request::PowerOff,
            [1] => Request::PowerOn,
            [2] => Request::Reset,
            [4] => Request::GetAtr,
            [other] => Request::UnknownControl(*other),
            apdu => Request::Apdu(apdu),
        }
    }
}

/// Something that happened while serving, reported to the caller (the CLI
/// prints "ready" on the first [`Event::Ready`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The driver powered the card and read its ATR: PC/SC applications can
    /// now connect. Reported once per power-on.
    Ready,
    /// The driver powered the card off.
    PoweredOff,
    /// The driver reset the card.
    Reset,
    /// One APDU was answered.
    Apdu,
    /// A control code this client does not know arrived and was ignored.
    UnknownControl(u8),
}

/// `6700` (wrong length): the answer when a response would not fit one vpcd
/// message (more than 65535 bytes); the JPKI client then reads in short steps.
const WRONG_LENGTH: [u8; 2] = [0x67, 0x00];

/// Read one length-prefixed message. `Ok(None)` when the driver closed the
/// connection cleanly between messages.
pub fn read_message(stream: &mut impl Read, payload: &mut Vec<u8>) -> io::Result<Option<()>> {
    let mut header = [0u8; 2];
    match stream.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    payload.resize(usize::from(u16::from_be_bytes(header)), 0);
    stream.read_exact(payload)?;
    Ok(Some(()))
}

/// Write one length-prefixed message in a single `write_all`, so it leaves in
/// one TCP segment.
pub fn write_message(stream: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "vpcd message longer than 65535 bytes",
        )
    })?;
    let mut frame = Vec::with_capacity(2 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)?;
    stream.flush()
}

/// Answer one decoded request, returning what to send back (if anything) and
/// what happened.
fn answer(
    card: &mut impl SimulatedCard,
    request: Request<'_>,
    powered: &mut bool,
    ready_pending: &mut bool,
) -> (Option<Vec<u8>>, Option<Event>) {
    match request {
        Request::Empty => (None, None),
        Request::PowerOff => {
            card.power_off();
            *powered = false;
            *ready_pending = false;
            (None, Some(Event::PoweredOff))
        }
        Request::PowerOn => {
            card.power_on();
            *powered = true;
            *ready_pending = true;
            (None, None)
        }
        Request::Reset => {
            card.reset();
            *powered = true;
            (None, Some(Event::Reset))
        }
        Request::GetAtr => {
            let event = if *powered && *ready_pending {
                *ready_pending = false;
                Some(Event::Ready)
            } else {
                None
            };
            (Some(card.atr()), event)
        }
        Request::UnknownControl(code) => (None, Some(Event::UnknownControl(code))),
        Request::Apdu(command) => {
            let mut response = card.process_apdu(command);
            if response.len() > usize::from(u16::MAX) {
                response = WRONG_LENGTH.to_vec();
            }
            (Some(response), Some(Event::Apdu))
        }
    }
}

/// Hooks around each read; the TCP stream uses it to re-arm `TCP_QUICKACK`.
pub trait BeforeRead {
    /// Called before waiting for the next message.
    fn before_read(&mut self) -> io::Result<()>;
}

impl BeforeRead for TcpStream {
    fn before_read(&mut self) -> io::Result<()> {
        set_quickack(self)
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_quickack(stream: &TcpStream) -> io::Result<()> {
    socket2::SockRef::from(stream).set_tcp_quickack(true)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_quickack(_stream: &TcpStream) -> io::Result<()> {
    Ok(())
}

/// Serve `card` on `stream` until the driver closes the connection (then
/// `Ok(())`) or the connection fails. `on_event` sees every [`Event`].
pub fn serve<S, C>(stream: &mut S, card: &mut C, mut on_event: impl FnMut(Event)) -> io::Result<()>
where
    S: Read + Write + BeforeRead,
    C: SimulatedCard,
{
    let mut payload = Vec::with_capacity(512);
    let mut powered = false;
    let mut ready_pending = false;
    loop {
        stream.before_read()?;
        if read_message(stream, &mut payload)?.is_none() {
            return Ok(());
        }
        let request = Request::parse(&payload);
        let (reply, event) = answer(card, request, &mut powered, &mut ready_pending);
        if let Some(reply) = reply {
            write_message(stream, &reply)?;
        }
        if let Some(event) = event {
            on_event(event);
        }
    }
}

/// Connect to the vpcd driver at `host:port`, retrying while nothing listens
/// yet (pcscd still starting) until `timeout` has passed. Sets `TCP_NODELAY`.
pub fn connect(host: &str, port: u16, timeout: Duration) -> io::Result<TcpStream> {
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
    let deadline = Instant::now() + timeout;
    loop {
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address for host");
        for addr in &addrs {
            match TcpStream::connect_timeout(addr, Duration::from_secs(2)) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(stream);
                }
                Err(e) => last_error = e,
            }
        }
        let retryable = matches!(
            last_error.kind(),
            io::ErrorKind::ConnectionRefused | io::ErrorKind::TimedOut
        );
        if !retryable || Instant::now() >= deadline {
            return Err(last_error);
        }
        // Nothing listens yet: pcscd loads the vpcd driver a moment after it
        // starts. There is no event to wait on from outside pcscd, so retry.
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::net::TcpListener;
    use std::sync::mpsc;

    /// A card that answers `90 00` to SELECT of AID `A0 01` and `6A 82` to
    /// anything else, and records power events.
    #[derive(Default)]
    struct FakeCard {
        log: Vec<&'static str>,
    }

    impl SimulatedCard for FakeCard {
        fn atr(&self) -> Vec<u8> {
            vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
        }
        fn power_on(&mut self) {
            self.log.push("on");
        }
        fn power_off(&mut self) {
            self.log.push("off");
        }
        fn reset(&mut self) {
            self.log.push("reset");
        }
        fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
            if command == [0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x01] {
                vec![0x90, 0x00]
            } else if command == [0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00] {
                vec![0xAB; 70_000]
            } else {
                vec![0x6A, 0x82]
            }
        }
    }

    #[test]
    fn parses_control_codes_and_apdus() {
        assert_eq!(Request::parse(&[0]), Request::PowerOff);
        assert_eq!(Request::parse(&[1]), Request::PowerOn);
        assert_eq!(Request::parse(&[2]), Request::Reset);
        assert_eq!(Request::parse(&[4]), Request::GetAtr);
        assert_eq!(Request::parse(&[9]), Request::UnknownControl(9));
        assert_eq!(Request::parse(&[]), Request::Empty);
        assert_eq!(
            Request::parse(&[0x00, 0x20, 0x00, 0x80]),
            Request::Apdu(&[0x00, 0x20, 0x00, 0x80])
        );
    }

    #[test]
    fn frames_are_big_endian_length_prefixed() {
        let mut out = Vec::new();
        write_message(&mut out, &[0xAA; 0x0102]).unwrap();
        assert_eq!(&out[..2], &[0x01, 0x02]);
        assert_eq!(out.len(), 2 + 0x0102);
        let mut payload = Vec::new();
        let mut input = io::Cursor::new(out);
        assert!(read_message(&mut input, &mut payload).unwrap().is_some());
        assert_eq!(payload, vec![0xAA; 0x0102]);
        assert!(read_message(&mut input, &mut payload).unwrap().is_none());
        assert!(write_message(&mut Vec::new(), &[0; 65_536]).is_err());
    }

    /// Send one message as the driver and, if `answer` is true, read the reply.
    fn exchange(driver: &mut TcpStream, message: &[u8], answer: bool) -> Option<Vec<u8>> {
        write_message(driver, message).unwrap();
        if !answer {
            return None;
        }
        let mut reply = Vec::new();
        read_message(driver, &mut reply).unwrap().unwrap();
        Some(reply)
    }

    #[test]
    fn serves_a_card_to_an_in_process_driver() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (events_tx, events_rx) = mpsc::channel();
        let card_side = std::thread::spawn(move || {
            let mut stream = connect("127.0.0.1", port, Duration::from_secs(5)).unwrap();
            let mut card = FakeCard::default();
            serve(&mut stream, &mut card, |e| events_tx.send(e).unwrap()).unwrap();
            card.log
        });

        let (mut driver, _) = listener.accept().unwrap();
        // Bound every read so a protocol bug fails the test instead of hanging.
        driver
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let atr = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

        // pcscd's presence poll: an ATR request before power-on is not "ready".
        assert_eq!(exchange(&mut driver, &[4], true).unwrap(), atr);
        exchange(&mut driver, &[1], false);
        assert_eq!(exchange(&mut driver, &[4], true).unwrap(), atr);
        assert_eq!(
            events_rx.recv_timeout(Duration::from_secs(10)).unwrap(),
            Event::Ready
        );

        let select = [0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x01];
        assert_eq!(exchange(&mut driver, &select, true).unwrap(), [0x90, 0x00]);
        let wrong = [0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x02];
        assert_eq!(exchange(&mut driver, &wrong, true).unwrap(), [0x6A, 0x82]);
        // A response too long for one vpcd message becomes 6700.
        let huge = [0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00];
        assert_eq!(exchange(&mut driver, &huge, true).unwrap(), [0x67, 0x00]);

        exchange(&mut driver, &[2], false);
        exchange(&mut driver, &[9], false);
        exchange(&mut driver, &[0], false);
        drop(driver);

        let log = card_side.join().unwrap();
        assert_eq!(log, ["on", "reset", "off"]);
        let rest: Vec<Event> = events_rx.try_iter().collect();
        assert_eq!(
            rest,
            [
                Event::Apdu,
                Event::Apdu,
                Event::Apdu,
                Event::Reset,
                Event::UnknownControl(9),
                Event::PoweredOff
            ]
        );
    }

    #[test]
    fn connect_gives_up_when_nothing_listens() {
        // Bind then drop to find a port nobody listens on.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = connect("127.0.0.1", port, Duration::ZERO).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }
}
