//! Unit tests of `emulator::vpcd`.

//! The protocol against a stand-in for the vpcd driver: a TCP listener that speaks the
//! driver's side as vpcd.c does (length-prefixed frames, control bytes, ATR polls).
use super::*;
use std::net::TcpListener;

struct Driver {
    stream: TcpStream,
}

impl Driver {
    fn accept(listener: &TcpListener) -> Driver {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Driver { stream }
    }
    fn send(&mut self, payload: &[u8]) {
        let mut frame = (payload.len() as u16).to_be_bytes().to_vec();
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame).unwrap();
    }
    /// Receives one frame; `None` on EOF.
    fn recv(&mut self) -> Option<Vec<u8>> {
        let mut len = [0u8; 2];
        match self.stream.read_exact(&mut len) {
            Ok(()) => {}
            Err(_) => return None,
        }
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
        self.stream.read_exact(&mut body).ok()?;
        Some(body)
    }
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.send(apdu);
        self.recv().unwrap()
    }
}

fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    (l, addr)
}

#[test]
fn control_messages_and_apdus() {
    let (l, addr) = listener();
    let resets = Arc::new(AtomicU64::new(0));
    let r = resets.clone();
    let echo = |c: &[u8]| {
        let mut v = c.to_vec();
        v.extend_from_slice(&[0x90, 0x00]);
        v
    };
    let card = VpcdCard::new(echo).on_reset(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
    });
    let server = spawn(&addr, card).unwrap();
    let mut d = Driver::accept(&l);
    // vpcd's sequence on insertion: ATR poll, power on, ATR, then APDUs.
    d.send(&[CTRL_ATR]);
    assert_eq!(d.recv().unwrap(), emrtd_atr(false));
    d.send(&[CTRL_ON]);
    d.send(&[CTRL_RESET]);
    d.send(&[CTRL_OFF]);
    d.send(&[0x07]); // unknown control: ignored, no answer
    d.send(&[]); // empty: ignored
    assert_eq!(
        d.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08]),
        [0, 0x84, 0, 0, 8, 0x90, 0]
    );
    // A 65535-byte command (the longest the frame carries) is answered: the echo is too
    // long to frame, so 6F00 comes back instead of a frame vpcd would reject.
    let big = vec![0x55; MAX_MESSAGE_LEN];
    assert_eq!(d.transmit(&big), NO_PRECISE_DIAGNOSIS);
    assert_eq!(resets.load(Ordering::SeqCst), 3);
    assert!(server.is_connected());
    assert_eq!(server.stop_handle().apdus(), 2);
    let (card, result) = server.stop();
    assert!(result.is_ok());
    assert_eq!(card.unwrap().atr(), emrtd_atr(false));
    // The driver sees the card go away.
    assert_eq!(d.recv(), None);
}

#[test]
fn factory_builds_a_fresh_handler_on_power_events() {
    let (l, addr) = listener();
    let built = Arc::new(AtomicU64::new(0));
    let b = built.clone();
    // Each handler answers its own APDU count: a fresh one starts at 1 again.
    let card = VpcdCard::from_factory(move || {
        b.fetch_add(1, Ordering::SeqCst);
        let mut n = 0u8;
        move |_: &[u8]| {
            n += 1;
            vec![n, 0x90, 0x00]
        }
    });
    let server = spawn(&addr, card).unwrap();
    let mut d = Driver::accept(&l);
    assert_eq!(d.transmit(&[0, 0xB0, 0, 0, 1]), [1, 0x90, 0]);
    assert_eq!(d.transmit(&[0, 0xB0, 0, 0, 1]), [2, 0x90, 0]);
    d.send(&[CTRL_RESET]);
    assert_eq!(d.transmit(&[0, 0xB0, 0, 0, 1]), [1, 0x90, 0]);
    assert_eq!(built.load(Ordering::SeqCst), 2);
    drop(server);
}

#[test]
fn empty_response_is_never_framed() {
    let (l, addr) = listener();
    let server = spawn(&addr, VpcdCard::new(|_: &[u8]| Vec::new())).unwrap();
    let mut d = Driver::accept(&l);
    assert_eq!(d.transmit(&[0x00, 0xA4, 0x00, 0x0C]), NO_PRECISE_DIAGNOSIS);
    drop(server);
    assert_eq!(d.recv(), None);
}

#[test]
fn reconnects_after_driver_restart_and_stops_from_handler() {
    let (l, addr) = listener();
    let stop_slot: Arc<Mutex<Option<StopHandle>>> = Arc::default();
    let slot = stop_slot.clone();
    // The handler pulls the card on its third command ("card removed mid-read").
    let mut count = 0;
    let handler = move |_: &[u8]| {
        count += 1;
        if let (3, Some(h)) = (count, slot.lock().unwrap().as_ref()) {
            h.stop();
        }
        vec![0x90, 0x00]
    };
    let server = spawn(&addr, VpcdCard::new(handler).with_atr(emrtd_atr(true))).unwrap();
    *stop_slot.lock().unwrap() = Some(server.stop_handle());
    let mut d = Driver::accept(&l);
    d.send(&[CTRL_ATR]);
    assert_eq!(d.recv().unwrap(), emrtd_atr(true));
    assert_eq!(d.transmit(&[0, 0xB0, 0, 0, 1]), [0x90, 0x00]);
    // The driver goes away (pcscd restarted): the card connects again.
    drop(d);
    let mut d = Driver::accept(&l);
    assert_eq!(d.transmit(&[0, 0xB0, 0, 0, 1]), [0x90, 0x00]);
    assert_eq!(server.stop_handle().connections(), 2);
    // Third command: the handler stops the card, so no answer arrives.
    d.send(&[0, 0xB0, 0, 0, 1]);
    assert_eq!(d.recv(), None);
    let (_, result) = server.stop();
    assert!(result.is_ok());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Whatever byte stream the driver side sends, the card side answers or ends cleanly:
    /// the serving thread never panics.
    #[test]
    fn arbitrary_driver_bytes_never_panic(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)
    ) {
        let (l, addr) = listener();
        let t = std::thread::spawn(move || {
            let mut card = VpcdCard::new(|c: &[u8]| c.to_vec()).reconnect(false);
            serve(&addr, &mut card, &StopHandle::new())
        });
        let mut d = Driver::accept(&l);
        let _ = d.stream.write_all(&bytes);
        let _ = d.stream.shutdown(Shutdown::Write);
        // Drain whatever comes back until the card side closes.
        let mut sink = Vec::new();
        let _ = d.stream.read_to_end(&mut sink);
        drop(d);
        proptest::prop_assert!(t.join().is_ok());
    }
}

#[test]
fn truncated_frame_and_no_driver() {
    // Without reconnecting, a driver that is not listening is an error.
    let (l, addr) = listener();
    drop(l);
    let mut card = VpcdCard::new(|_: &[u8]| vec![0x90, 0x00]).reconnect(false);
    let err = serve(&addr, &mut card, &StopHandle::new()).unwrap_err();
    assert!(matches!(err, VpcdError::Connect { .. }), "{err}");
    assert!(matches!(
        spawn(
            "no such host:port",
            VpcdCard::new(|_: &[u8]| vec![0x90, 0x00])
        ),
        Err(VpcdError::Address { .. })
    ));
    // A frame cut off inside its body is an I/O error, not a hang or a panic.
    let (l, addr) = listener();
    let t = std::thread::spawn(move || {
        let mut card = VpcdCard::new(|_: &[u8]| vec![0x90, 0x00]).reconnect(false);
        serve(&addr, &mut card, &StopHandle::new())
    });
    let mut d = Driver::accept(&l);
    d.stream.write_all(&[0x00, 0x10, 0x00, 0xA4]).unwrap();
    drop(d);
    let result = t.join().unwrap();
    assert!(matches!(result, Err(VpcdError::Io(_))), "{result:?}");
}
