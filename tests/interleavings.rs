//! Every interleaving of two and of three tabs sharing one session, natively: each tab runs the
//! real `Machine` (src/core/session/machine.rs) against a simulated lock manager (Web Locks:
//! one holder, requests granted in order), store (IndexedDB: every tab reads the last committed
//! write; a write is a compare-and-set that asks the writing tab's machine, `keeps`, inside its
//! transaction, as js/session.js does; only a `setTokens` writes without the lock), broadcast
//! channel (each tab's notices arrive in order, at any later point) and
//! authorization server (rotation, reuse detection that revokes the whole grant, answers that
//! arrive at any later point, requests that fail on the network, RFC 7009 revocation).
//!
//! Each tab may do, at any point, `getAccessToken()`, a forced refresh, `setTokens` (a new
//! sign-in) or `signOut()`, up to a budget of actions; the store may fail once (a read or a
//! write) and a refresh may fail once on the network. A depth-first search follows every
//! order in which these and the effects' answers can happen; states are deduplicated by hash.
//! In every reachable state and at every quiet end (nothing left to do) it asserts the
//! invariants of the machine's module documentation, and it prints how many states it
//! explored. Run: `cargo test interleav -- --nocapture`.
#![cfg(feature = "session")]

use oauth_spa::machine::{Effect, Event, Machine, Phase, Store, Tokens};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

/// The clock never moves: the first set is expired, every later one never expires.
const NOW: u64 = 1_000;

/// A token set: ids of its access and refresh token, its grant (family), its expiry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Tok {
    at: [u8; 4],
    rt: Option<[u8; 4]>,
    family: u8,
    exp: Option<u64>,
}

fn name(prefix: u8, id: u8) -> [u8; 4] {
    [prefix, b'0' + id / 100, b'0' + id / 10 % 10, b'0' + id % 10]
}

fn id_of(n: &[u8]) -> u8 {
    (n[1] - b'0') * 100 + (n[2] - b'0') * 10 + (n[3] - b'0')
}

impl Tokens for Tok {
    fn access_token(&self) -> &str {
        std::str::from_utf8(&self.at).unwrap()
    }
    fn refresh_token(&self) -> Option<&str> {
        self.rt.as_ref().map(|r| std::str::from_utf8(r).unwrap())
    }
    fn expires_at(&self) -> Option<u64> {
        self.exp
    }
    fn same(&self, o: &Self) -> bool {
        self == o
    }
}

/// A refresh's error: refused by the server (ends the session) or lost on the network.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Err {
    Refused,
    Network,
}

/// One step of the search (for the trace of a failure): which tab, and what happened.
#[derive(Clone, Copy, Debug)]
#[allow(dead_code)] // read through Debug
enum Step {
    /// The lock to this tab, and its read (`false`: the read fails).
    Grant(usize, bool),
    Act(usize, Act),
    Notice(usize),
    Read(usize, bool),
    Write(usize, bool),
    /// The refresh of this refresh token was answered by the server (`true`) or lost.
    Answer(usize, u8, bool),
    Revoke(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Act {
    Get,
    Force,
    Set,
    SignOut,
}

/// An effect under way for a tab: what completes it later.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Op {
    Read,
    Write(Option<Tok>),
    /// A refresh request not answered yet.
    Refresh(Tok),
    Revoke(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Tab {
    m: Machine<Tok, Err>,
    ops: Vec<Op>,
    inbox: u8,
    open: Vec<u32>,
    next_caller: u32,
    budget: u8,
}

/// Ids: `a`/`r` + number. Each token's grant and whether the server still accepts it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct Server {
    next: u8,
    families: u8,
    /// (id, family, valid) of refresh tokens and of access tokens.
    rts: Vec<(u8, u8, bool)>,
    ats: Vec<(u8, u8, bool)>,
    /// Refresh token ids in the order they reached the server (from any tab).
    sent: Vec<u8>,
    /// Refresh token ids the app replaced with `setTokens` (it owns those: not revoked).
    replaced: Vec<u8>,
}

impl Server {
    fn issue(&mut self, family: u8) -> Tok {
        let (a, r) = (self.next, self.next + 1);
        self.next += 2;
        self.ats.push((a, family, true));
        self.rts.push((r, family, true));
        Tok {
            at: name(b'a', a),
            rt: Some(name(b'r', r)),
            family,
            exp: None,
        }
    }
    fn sign_in(&mut self) -> Tok {
        self.families += 1;
        self.issue(self.families)
    }
    fn refresh(&mut self, rt: u8) -> Result<Tok, Err> {
        match self.rts.iter().position(|r| r.0 == rt) {
            Some(i) if self.rts[i].2 => {
                self.rts[i].2 = false;
                let f = self.rts[i].1;
                Ok(self.issue(f))
            }
            Some(i) => {
                // Reuse detection: a spent refresh token revokes the whole grant.
                let f = self.rts[i].1;
                for t in self.rts.iter_mut().chain(self.ats.iter_mut()) {
                    if t.1 == f {
                        t.2 = false;
                    }
                }
                Err(Err::Refused)
            }
            None => Err(Err::Refused),
        }
    }
    fn revoke(&mut self, token: &str) {
        let b = token.as_bytes();
        let list = if b[0] == b'r' {
            &mut self.rts
        } else {
            &mut self.ats
        };
        for t in list.iter_mut().filter(|t| t.0 == id_of(b)) {
            t.2 = false;
        }
    }
    fn at_valid(&self, at: &str) -> bool {
        let id = id_of(at.as_bytes());
        self.ats.iter().any(|t| t.0 == id && t.2)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct World {
    tabs: Vec<Tab>,
    store: Option<Tok>,
    holder: Option<usize>,
    queue: Vec<usize>,
    server: Server,
    store_faults: u8,
    net_faults: u8,
    /// A read or write of the store failed in this run.
    store_failed: bool,
    /// Grants (families) that were in the store when a sign-out cleared it: none of their
    /// tokens may be stored again.
    dead: u32,
    /// Families ever stored.
    stored: u32,
    /// The last session action of any tab: `true` for a sign-out.
    last_was_sign_out: bool,
}

/// Search bounds: tabs, actions per tab, store failures, network failures.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    tabs: usize,
    actions: u8,
    store_faults: u8,
    net_faults: u8,
    /// The tabs have read the store before the search starts (else their first read is part
    /// of it).
    loaded: bool,
}

fn start(b: Bounds) -> World {
    let mut server = Server::default();
    let mut t0 = server.sign_in();
    t0.exp = Some(0); // expired: a plain getAccessToken refreshes
    let mut w = World {
        tabs: Vec::new(),
        store: Some(t0.clone()),
        holder: None,
        queue: Vec::new(),
        server,
        store_faults: b.store_faults,
        net_faults: b.net_faults,
        store_failed: false,
        dead: 0,
        stored: 1 << t0.family,
        last_was_sign_out: false,
    };
    for i in 0..b.tabs {
        let mut m = Machine::new(Store::Shared, 0, None);
        let fx = m.start(NOW);
        w.tabs.push(Tab {
            m,
            ops: Vec::new(),
            inbox: 0,
            open: Vec::new(),
            next_caller: 0,
            budget: b.actions,
        });
        w.apply(i, fx, false).unwrap();
        if b.loaded {
            w.grant(true).unwrap();
            assert!(w.tabs[i].m.is_quiet(), "tab {i} loaded");
            w.holder = None; // the machine released it: see `ReleaseLock`
        }
    }
    w
}

type Check = Result<(), String>;

impl World {
    fn feed(&mut self, i: usize, e: Event<Tok, Err>) -> Check {
        let store_failure = matches!(e, Event::StoreRead(Err(())) | Event::StoreWritten(Err(())));
        let fx = self.tabs[i].m.step(NOW, e);
        self.apply(i, fx, store_failure)
    }

    /// Executes a tab's effects, checking what each one may do.
    fn apply(&mut self, i: usize, fx: Vec<Effect<Tok, Err>>, store_failure: bool) -> Check {
        for f in fx {
            match f {
                Effect::AcquireLock => self.queue.push(i),
                Effect::ReleaseLock => {
                    if self.holder != Some(i) {
                        return Err(format!("tab {i} released a lock it does not hold"));
                    }
                    self.holder = None;
                }
                Effect::StartTimer(_) => return Err("a timer with Web Locks".into()),
                // Only a `setTokens` writes without the lock (a write that `keeps` guards).
                Effect::ReadStore | Effect::WriteStore(_)
                    if self.holder != Some(i)
                        && !(matches!(f, Effect::WriteStore(_))
                            && matches!(
                                self.tabs[i].m.phase(),
                                Phase::Writing { locked: false, .. }
                            )) =>
                {
                    return Err(format!("tab {i} used the store without the lock"));
                }
                Effect::ReadStore => self.tabs[i].ops.push(Op::Read),
                Effect::WriteStore(v) => self.tabs[i].ops.push(Op::Write(v)),
                Effect::Broadcast => {
                    for (j, t) in self.tabs.iter_mut().enumerate() {
                        if j != i {
                            t.inbox += 1;
                        }
                    }
                }
                Effect::SendRefresh(t) => {
                    if t.rt.is_none() {
                        return Err(format!("tab {i} refreshes without a refresh token"));
                    }
                    self.tabs[i].ops.push(Op::Refresh(t));
                }
                Effect::Revoke { token, .. } => self.tabs[i].ops.push(Op::Revoke(token)),
                Effect::Resolve(c, at) => {
                    let tab = &mut self.tabs[i];
                    if !tab.open.contains(&c) {
                        return Err(format!("tab {i}: caller {c} answered twice"));
                    }
                    tab.open.retain(|x| *x != c);
                    if !self.server.at_valid(&at) && tab.inbox == 0 && !self.store_failed {
                        return Err(format!("invariant 4: tab {i} handed out {at}, not valid"));
                    }
                }
                Effect::Reject(c, _) | Effect::Done(c) => {
                    let tab = &mut self.tabs[i];
                    if !tab.open.contains(&c) {
                        return Err(format!("tab {i}: caller {c} answered twice"));
                    }
                    tab.open.retain(|x| *x != c);
                }
                Effect::SignedOut(_) if store_failure => {
                    return Err(format!(
                        "invariant 5: tab {i} signed out by a store failure"
                    ));
                }
                Effect::Changed(_) | Effect::SignedOut(_) | Effect::Error(_) => {}
            }
        }
        Ok(())
    }

    /// Every state that one step leads to.
    fn successors(&self) -> Vec<(Step, Result<World, String>)> {
        let mut out = Vec::new();
        let mut go = |w: &World, label: Step, f: &dyn Fn(&mut World) -> Check| {
            let mut n = w.clone();
            out.push((label, f(&mut n).map(|()| n)));
        };
        if self.holder.is_none() && !self.queue.is_empty() {
            // The holder's read follows at once (nothing can change the store meanwhile).
            for ok in [true, false] {
                if ok || self.store_faults > 0 {
                    go(self, Step::Grant(self.queue[0], ok), &|w| w.grant(ok));
                }
            }
        }
        for i in 0..self.tabs.len() {
            if self.tabs[i].budget > 0 {
                for act in [Act::Get, Act::Force, Act::Set, Act::SignOut] {
                    go(self, Step::Act(i, act), &|w| w.act(i, act));
                }
            }
            if self.tabs[i].inbox > 0 {
                go(self, Step::Notice(i), &|w| {
                    w.tabs[i].inbox -= 1;
                    w.feed(i, Event::StoreChanged)
                });
            }
            for k in 0..self.tabs[i].ops.len() {
                let op = self.tabs[i].ops[k].clone();
                let take = move |w: &mut World| {
                    w.tabs[i].ops.remove(k);
                };
                match op {
                    Op::Read => {
                        go(self, Step::Read(i, true), &|w| {
                            take(w);
                            let v = w.store.clone();
                            w.feed(i, Event::StoreRead(Ok(v)))
                        });
                        if self.store_faults > 0 {
                            go(self, Step::Read(i, false), &|w| {
                                take(w);
                                w.store_faults -= 1;
                                w.store_failed = true;
                                w.feed(i, Event::StoreRead(Err(())))
                            });
                        }
                    }
                    Op::Write(v) => {
                        let v2 = v.clone();
                        go(self, Step::Write(i, true), &move |w| {
                            take(w);
                            // One transaction: what the store holds, the tab's word on it, the
                            // write.
                            let old = w.store.clone();
                            if w.tabs[i].m.keeps(old.as_ref()) {
                                w.write(v2.clone())?;
                            }
                            w.feed(i, Event::StoreWritten(Ok(old)))
                        });
                        if self.store_faults > 0 {
                            go(self, Step::Write(i, false), &|w| {
                                take(w);
                                w.store_faults -= 1;
                                w.store_failed = true;
                                w.feed(i, Event::StoreWritten(Err(())))
                            });
                        }
                    }
                    Op::Refresh(t) => {
                        // The server's work and its answer: the answer may come at any later
                        // point (other steps happen before it), or the request may be lost.
                        let rt = id_of(t.rt.as_ref().unwrap());
                        go(self, Step::Answer(i, rt, true), &|w| {
                            take(w);
                            // Invariant 1, where a request counts: at the server.
                            if w.server.sent.contains(&rt) && !w.store_failed {
                                return Err(format!("invariant 1: refresh token r{rt} sent twice"));
                            }
                            w.server.sent.push(rt);
                            let e = match w.server.refresh(rt) {
                                Ok(t) => Event::RefreshAnswered(t),
                                Err(e) => Event::RefreshFailed {
                                    ends_session: e == Err::Refused,
                                    error: e,
                                },
                            };
                            w.feed(i, e)
                        });
                        if self.net_faults > 0 {
                            go(self, Step::Answer(i, rt, false), &|w| {
                                take(w);
                                w.net_faults -= 1;
                                w.feed(
                                    i,
                                    Event::RefreshFailed {
                                        error: Err::Network,
                                        ends_session: false,
                                    },
                                )
                            });
                        }
                    }
                    Op::Revoke(token) => go(self, Step::Revoke(i), &|w| {
                        take(w);
                        w.server.revoke(&token);
                        w.feed(i, Event::RevokeDone(None))
                    }),
                }
            }
        }
        out
    }

    fn grant(&mut self, ok: bool) -> Check {
        let i = self.queue.remove(0);
        self.holder = Some(i);
        self.feed(i, Event::LockGranted)?;
        if self.tabs[i].ops.last() == Some(&Op::Read) {
            self.tabs[i].ops.pop();
            if ok {
                self.feed(i, Event::StoreRead(Ok(self.store.clone())))?;
            } else {
                self.store_faults -= 1;
                self.store_failed = true;
                self.feed(i, Event::StoreRead(Err(())))?;
            }
        }
        Ok(())
    }

    fn write(&mut self, v: Option<Tok>) -> Check {
        match &v {
            Some(t) => {
                if self.dead & (1 << t.family) != 0 && !self.store_failed {
                    return Err(format!(
                        "invariant 3: a set of signed-out grant {} stored again",
                        t.family
                    ));
                }
                self.stored |= 1 << t.family;
            }
            None => {
                if self.last_was_sign_out {
                    self.dead |= self.stored;
                }
            }
        }
        self.store = v;
        Ok(())
    }

    fn act(&mut self, i: usize, act: Act) -> Check {
        let tab = &mut self.tabs[i];
        tab.budget -= 1;
        let caller = tab.next_caller;
        tab.next_caller += 1;
        let e = match act {
            Act::Get | Act::Force => {
                tab.open.push(caller);
                Event::GetToken {
                    caller,
                    force: act == Act::Force,
                }
            }
            Act::Set => {
                self.last_was_sign_out = false;
                if let Some(t) = tab.m.tokens() {
                    self.server.replaced.extend(t.rt.as_ref().map(|r| id_of(r)));
                }
                Event::SetTokens(Some(self.server.sign_in()))
            }
            Act::SignOut => {
                tab.open.push(caller);
                self.last_was_sign_out = true;
                Event::SignOut { caller }
            }
        };
        self.feed(i, e)
    }

    fn is_quiet(&self) -> bool {
        self.holder.is_none()
            && self.queue.is_empty()
            && self.tabs.iter().all(|t| t.ops.is_empty() && t.inbox == 0)
    }

    /// The invariants that hold once nothing is left to do.
    fn check_quiet(&self) -> Check {
        for (i, t) in self.tabs.iter().enumerate() {
            if !t.open.is_empty() {
                return Err(format!(
                    "invariant 4: tab {i} left callers {:?} unanswered",
                    t.open
                ));
            }
            if !t.m.is_quiet() {
                return Err(format!("tab {i} not quiet: {:?}", t.m.phase()));
            }
        }
        if self.store_failed {
            return Ok(()); // invariants 1 to 3 hold while the store works
        }
        // Invariant 2: every refresh token the server accepts is held by a tab or the store.
        for &(rt, _, valid) in &self.server.rts {
            let n = name(b'r', rt);
            let held = |t: Option<&Tok>| t.is_some_and(|t| t.rt == Some(n));
            if valid
                && !self.server.replaced.contains(&rt)
                && !held(self.store.as_ref())
                && !self.tabs.iter().any(|t| held(t.m.tokens()))
            {
                return Err(format!("invariant 2: r{rt} valid, held by nobody"));
            }
        }
        {
            // Tabs agree with the store, and a sign-out that came last stands everywhere.
            for (i, t) in self.tabs.iter().enumerate() {
                if t.m.tokens() != self.store.as_ref() {
                    return Err(format!(
                        "tab {i} holds {:?}, the store {:?}",
                        t.m.tokens(),
                        self.store
                    ));
                }
            }
            // Invariant 3 (also checked at every write): no grant a sign-out ended is held.
            if let Some(t) = &self.store {
                if self.dead & (1 << t.family) != 0 {
                    return Err(format!(
                        "invariant 3: grant {} signed out, still held",
                        t.family
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A fast 64-bit hash of a state (FxHash's multiply-rotate), for deduplication. With a few
/// million states, two distinct states share a hash with a probability below 1e-6.
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

fn hash(w: &World) -> u64 {
    let mut h = Fx(0);
    w.hash(&mut h);
    h.finish()
}

/// Explores every interleaving within `b`, depth first; returns (states, quiet end states).
fn explore(b: Bounds) -> (usize, usize) {
    struct Search {
        seen: HashSet<u64>,
        path: Vec<Step>,
        quiet: usize,
    }
    fn visit(s: &mut Search, w: &World) {
        let next = w.successors();
        if next.is_empty() {
            assert!(w.is_quiet(), "stuck after {:?}: {w:#?}", s.path);
            if let Err(e) = w.check_quiet() {
                panic!("{e}\nafter {:#?}\nstate: {w:#?}", s.path);
            }
            s.quiet += 1;
        }
        for (step, n) in next {
            s.path.push(step);
            match n {
                Ok(n) => {
                    if s.seen.insert(hash(&n)) {
                        visit(s, &n);
                    }
                }
                Err(e) => panic!("{e}\nafter {:#?}", s.path),
            }
            s.path.pop();
        }
    }
    let first = start(b);
    let mut s = Search {
        seen: HashSet::from([hash(&first)]),
        path: Vec::new(),
        quiet: 0,
    };
    visit(&mut s, &first);
    (s.seen.len(), s.quiet)
}

fn run(b: Bounds) {
    let t = std::time::Instant::now();
    let (states, quiet) = explore(b);
    println!(
        "interleavings: {} tabs, {} actions each, {} store failure(s), {} network failure(s): {states} states, {quiet} quiet ends, {:.1} s",
        b.tabs,
        b.actions,
        b.store_faults,
        b.net_faults,
        t.elapsed().as_secs_f64()
    );
    assert!(quiet > 0);
}

/// Other bounds, on request (minutes in a debug build): `OAUTH_SPA_INTERLEAVINGS=tabs,actions,
/// store_faults,net_faults[,1]` (`1`: the tabs have loaded the session before), then
/// `cargo test --release --test interleavings -- --ignored --nocapture`.
#[test]
#[ignore = "larger bounds on request: set OAUTH_SPA_INTERLEAVINGS"]
fn interleavings_with_bounds_from_the_environment() {
    let v = std::env::var("OAUTH_SPA_INTERLEAVINGS").unwrap_or_else(|_| "3,1,1,1,1".into());
    let n: Vec<u8> = v.split(',').map(|x| x.trim().parse().unwrap()).collect();
    run(Bounds {
        tabs: n[0].into(),
        actions: n[1],
        store_faults: n[2],
        net_faults: n[3],
        loaded: n.get(4) == Some(&1),
    });
}

/// Two tabs, each doing one action, from their first read of the store on, with one store
/// failure and one network failure allowed.
#[test]
fn interleavings_of_two_tabs() {
    run(Bounds {
        tabs: 2,
        actions: 1,
        store_faults: 1,
        net_faults: 1,
        loaded: false,
    });
}

/// Two tabs that have loaded the session, each doing two actions.
#[test]
fn interleavings_of_two_tabs_two_actions_each() {
    run(Bounds {
        tabs: 2,
        actions: 2,
        store_faults: 0,
        net_faults: 0,
        loaded: true,
    });
}

/// Three tabs that have loaded the session, each doing one action.
#[test]
fn interleavings_of_three_tabs() {
    run(Bounds {
        tabs: 3,
        actions: 1,
        store_faults: 0,
        net_faults: 0,
        loaded: true,
    });
}
