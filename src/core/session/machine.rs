//! The session as a state machine: `(state, event) -> (state, effects)`. The browser layer
//! executes the effects (the store, the cross-tab lock, the refresh and revocation requests,
//! the callbacks) and feeds what happened back as events; every protocol and timing decision is
//! made here, so all of it runs natively (`cargo test interleav` explores every interleaving of
//! two and three tabs, tests/interleavings.rs).
//!
//! # The model
//!
//! Each tab (each session object) runs one [`Machine`]. A shared session ([`Store::Shared`])
//! lives in a store every tab reads alike (IndexedDB in the browser). A tab reads it and
//! refreshes only while it holds the cross-tab lock (Web Locks), across read, refresh and
//! write. Every write is a compare-and-set: one transaction that writes only if the store still
//! holds what this tab last read or wrote there ([`Machine::keeps`], asked inside it). So a
//! `setTokens` in a tab with nothing under way needs no lock (it sends nothing): it is written
//! at once. A refresh result that finds another set stored is not written: that set wins, the
//! result is revoked. A write under the lock that finds another set reads the store again; a
//! set written at once that finds one goes through the lock. After a write a tab tells the
//! other tabs ([`Effect::Broadcast`]); they read the store again under the lock and adopt what
//! it holds.
//!
//! Phases ([`Phase`]): idle (holding tokens or signed out), waiting for the lock, reading the
//! store, refreshing (with the generation of the tokens it refreshes), re-reading the store
//! after a refusal, writing the store (under the lock, or a set at once), and waiting for the
//! revocations of a refresh result that is not kept. The tokens held carry a generation, bumped
//! at every change: a refresh answer for an older generation is late and is never kept.
//!
//! # Invariants (checked in every reachable state by tests/interleavings.rs)
//!
//! 1. **A refresh token is sent at most once, by one tab**, as long as the store's writes
//!    succeed. (A tab whose write of a rotated set fails keeps working from memory and says so
//!    through `onError`; the store still holds the spent set, which another tab may send once:
//!    the server refuses it.)
//! 2. **After a rotation no valid refresh token is left that neither a tab nor the store
//!    holds:** what a refresh brings is stored, or revoked when it came too late (the tokens
//!    were set anew or signed out meanwhile, here or in another tab); a set another tab stored
//!    and this tab overwrites is revoked.
//! 3. **A sign-out is never undone by a refresh that began before it:** a late answer is
//!    dropped (and revoked), and a shared sign-out clears the store under the lock, so no
//!    refresh can store tokens after it.
//! 4. **Every `getAccessToken()` caller gets an access token that was valid when it was handed
//!    out, or a typed error** (none waits forever). A token another tab revoked is handed out
//!    only until this tab has read that tab's notice.
//! 5. **A storage that fails never signs the user out by itself:** a failed read or write is
//!    reported ([`Failure::StorageUnavailable`]) and the session goes on from memory.

use super::{next_step_of, NextStep};
use crate::core::token::TokenSet;
use alloc::{string::String, vec::Vec};

/// How long a tab without Web Locks waits before it asks for the IndexedDB lease again, ms.
pub const LEASE_RETRY_MS: u32 = 50;
/// How much longer than a request's timeout a lease lives, ms: a tab that closed while
/// holding it (no `ReleaseLock`) delays the other tabs by at most the timeout plus this.
pub const LEASE_MARGIN_MS: u32 = 5_000;

/// Identifies a `getAccessToken()` or `signOut()` call, for its answer.
pub type Caller = u32;

/// What the machine needs to know of a token set. The machine never looks inside otherwise,
/// so the browser layer decides where the tokens live (a JS object, a worker).
pub trait Tokens: Clone {
    /// The access token handed to callers.
    fn access_token(&self) -> &str;
    /// The refresh token, when there is one.
    fn refresh_token(&self) -> Option<&str>;
    /// Expiry, epoch ms; `None` when unknown (used until a refresh is forced).
    fn expires_at(&self) -> Option<u64>;
    /// The same tokens (every member that matters; not the raw response).
    fn same(&self, other: &Self) -> bool;
}

impl Tokens for TokenSet {
    fn access_token(&self) -> &str {
        self.access_token.expose()
    }
    fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_ref().map(|s| s.expose())
    }
    fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }
    fn same(&self, o: &Self) -> bool {
        fn s(a: &Option<crate::core::secret::Secret>) -> Option<&str> {
            a.as_ref().map(|s| s.expose())
        }
        self.access_token.expose() == o.access_token.expose()
            && s(&self.refresh_token) == s(&o.refresh_token)
            && s(&self.id_token) == s(&o.id_token)
            && self.expires_at == o.expires_at
            && self.scope == o.scope
    }
}

/// Where the session's tokens live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Store {
    /// Memory only.
    Memory,
    /// A store of this tab alone (`sessionStorage`): written, never locked nor re-read.
    Tab,
    /// A store shared by the tabs of the origin: read and written under the lock.
    Shared,
}

/// Why a call failed, or what `onError`/`onSignedOut` is told.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Failure<E> {
    /// No usable token and no way to refresh: sign in again.
    NotSignedIn,
    /// The store could not be read or written; the session goes on from memory.
    StorageUnavailable,
    /// The error of a refresh or revocation request, as the browser layer gave it.
    Request(E),
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event<T, E> {
    /// `getAccessToken({ forceRefresh })`.
    GetToken {
        /// Who asks.
        caller: Caller,
        /// `forceRefresh`: the token held is spent.
        force: bool,
    },
    /// `setTokens(tokens)` (`None`: cleared, without revocation).
    SetTokens(Option<T>),
    /// `signOut()`: answered with [`Effect::Done`].
    SignOut {
        /// Who asks.
        caller: Caller,
    },
    /// The cross-tab lock was granted.
    LockGranted,
    /// Without Web Locks: the lease is another tab's for now.
    LockBusy,
    /// The timer of [`Effect::StartTimer`] fired.
    TimerFired,
    /// The store was read: `Err` when it failed.
    StoreRead(Result<Option<T>, ()>),
    /// The write ended: `Ok` with what the store held before it (the write happened when
    /// [`Machine::keeps`] says so of that), `Err` when it failed.
    StoreWritten(Result<Option<T>, ()>),
    /// Another tab wrote the store (its broadcast).
    StoreChanged,
    /// The refresh answered with this (merged) token set.
    RefreshAnswered(T),
    /// The refresh failed; `ends_session` as [`super::ends_session`] says of the error.
    RefreshFailed {
        /// The request's error.
        error: E,
        /// Whether it ends the session ([`super::refusal_ends_session`]).
        ends_session: bool,
    },
    /// A revocation finished (`Some`: failed).
    RevokeDone(Option<E>),
}

/// What the browser layer must do, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Effect<T, E> {
    /// Ask for the cross-tab lock; [`Event::LockGranted`] (or [`Event::LockBusy`]) follows.
    AcquireLock,
    /// Release it.
    ReleaseLock,
    /// Start a timer of this many ms; [`Event::TimerFired`] follows.
    StartTimer(u32),
    /// Read the store; [`Event::StoreRead`] follows.
    ReadStore,
    /// Write the store (`None`: remove the session); [`Event::StoreWritten`] follows.
    WriteStore(Option<T>),
    /// Tell the other tabs that the store changed.
    Broadcast,
    /// Send the refresh for these tokens; [`Event::RefreshAnswered`] or
    /// [`Event::RefreshFailed`] follows.
    SendRefresh(T),
    /// Revoke a token (RFC 7009), a refresh token or an access token; [`Event::RevokeDone`]
    /// follows.
    Revoke {
        /// The token.
        token: String,
        /// `token_type_hint=refresh_token` (else `access_token`).
        refresh_token: bool,
    },
    /// Answer a `getAccessToken()` caller with this access token.
    Resolve(Caller, String),
    /// Answer a `getAccessToken()` caller with an error.
    Reject(Caller, Failure<E>),
    /// Answer a `signOut()` caller: done.
    Done(Caller),
    /// `onChange(tokens)`.
    Changed(Option<T>),
    /// `onSignedOut(reason)` (`None`: a sign-out, here or in another tab).
    SignedOut(Option<Failure<E>>),
    /// `onError(error)`.
    Error(Failure<E>),
}

/// Where the machine is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Phase<T, E> {
    /// Nothing under way (the lock is not held).
    Idle,
    /// Waiting for the lock (or for the lease's next try).
    Locking,
    /// Holding the lock, reading the store.
    Reading,
    /// A refresh of `sent` is out, for the tokens of `generation`.
    Refreshing {
        /// The generation of the tokens refreshed.
        generation: u32,
        /// The tokens refreshed.
        sent: T,
    },
    /// The server refused `sent`: reading the store, which may hold newer tokens another tab
    /// stored, before the session ends with `error`.
    Rechecking {
        /// The tokens refused.
        sent: T,
        /// The refusal.
        error: E,
    },
    /// Writing `wrote`, the tokens of `generation`, to the store: under the lock (`locked`),
    /// or a `setTokens` of an idle tab, written at once.
    Writing {
        /// The generation of the tokens written.
        generation: u32,
        /// What is written.
        wrote: Option<T>,
        /// The lock is held.
        locked: bool,
    },
    /// A refresh result is not kept (it came too late, or another tab's set was stored
    /// first): its tokens are being revoked before the callers are answered.
    Draining,
}

/// A caller waiting for a refresh: who, whether it forced one, and the generation it saw
/// (a forced refresh is done once the tokens changed since).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Waiter {
    caller: Caller,
    force: bool,
    generation: u32,
}

/// A revocation to send: the token, whether it is a refresh token, and whether it starts a
/// batch (one token set: only a batch's first failure is reported).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Revocation {
    token: String,
    refresh_token: bool,
    first: bool,
}

/// A change memory holds and the store does not yet, by who wins over what another tab
/// stored meanwhile (in this order: the greater wins when two come before a write).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Change {
    /// None.
    None,
    /// The outcome of a refresh or an expiry (new tokens, or the session ended): about the
    /// tokens held, so another tab's set stored meanwhile wins over it.
    Derived,
    /// The app's `setTokens` (or the tokens given at the start): wins; a set it overwrites
    /// that this tab did not know the store held is revoked.
    Set,
    /// A sign-out: wins; whatever it overwrites is revoked.
    Clear,
}

/// One tab's session. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Machine<T, E> {
    store: Store,
    skew_seconds: u32,
    now: u64,
    tokens: Option<T>,
    generation: u32,
    phase: Phase<T, E>,
    /// The shared store was read once (until then callers wait for it).
    loaded: bool,
    /// What memory holds and the store must get ([`Change`]).
    change: Change,
    /// This tab's last write failed and no other tab wrote since: memory is newer than the
    /// store.
    unsaved: bool,
    /// What this tab knows the store holds (`None`: unknown).
    base: Option<Option<T>>,
    /// Another tab's notice came: read the store again.
    sync: bool,
    /// The store worked the last time it was used (failures are reported on the change).
    store_ok: bool,
    waiters: Vec<Waiter>,
    /// `signOut()` callers not answered yet.
    leaving: Vec<Caller>,
    /// Token sets to revoke once the store no longer holds them.
    victims: Vec<T>,
    /// Sets the store holds and this tab's pending write replaces: revoked once it succeeded.
    overwritten: Vec<T>,
    /// In order (a `Vec`: `VecDeque` measured about 1.8 KB more wasm before wasm-opt).
    revocations: Vec<Revocation>,
    revoking: bool,
    batch_failed: bool,
    out: Vec<Effect<T, E>>,
}

fn differ<T: Tokens>(a: Option<&T>, b: Option<&T>) -> bool {
    match (a, b) {
        (None, None) => false,
        (Some(x), Some(y)) => !x.same(y),
        _ => true,
    }
}

impl<T: Tokens, E: Clone> Machine<T, E> {
    /// A session in `store`, refreshing `skew_seconds` before expiry, holding `tokens`. A
    /// persisted session reads its store (under the lock when shared) before it answers a
    /// caller; one given `tokens` writes them there instead of adopting what it holds.
    pub fn new(store: Store, skew_seconds: u32, tokens: Option<T>) -> Self {
        let persisted = store != Store::Memory;
        Machine {
            store,
            skew_seconds,
            now: 0,
            change: if persisted && tokens.is_some() {
                Change::Set
            } else {
                Change::None
            },
            tokens,
            generation: 0,
            phase: Phase::Idle,
            loaded: !persisted,
            unsaved: false,
            base: None,
            sync: persisted,
            store_ok: true,
            waiters: Vec::new(),
            leaving: Vec::new(),
            victims: Vec::new(),
            overwritten: Vec::new(),
            revocations: Vec::new(),
            revoking: false,
            batch_failed: false,
            out: Vec::new(),
        }
    }

    /// The tokens held now (`getTokens()`).
    pub fn tokens(&self) -> Option<&T> {
        self.tokens.as_ref()
    }

    /// The phase, for tests and diagnostics.
    pub fn phase(&self) -> &Phase<T, E> {
        &self.phase
    }

    /// `true` when nothing is under way or queued: no lock, request, write or revocation, and
    /// no caller waiting.
    pub fn is_quiet(&self) -> bool {
        matches!(self.phase, Phase::Idle)
            && !self.revoking
            && self.revocations.is_empty()
            && self.waiters.is_empty()
            && self.leaving.is_empty()
    }

    /// Starts the session: a shared one reads its store (and writes given tokens) under the
    /// lock. Call once, after [`Machine::new`].
    pub fn start(&mut self, now_ms: u64) -> Vec<Effect<T, E>> {
        self.open(now_ms);
        core::mem::take(&mut self.out)
    }

    /// Feeds one event at `now_ms` (epoch ms); returns the effects to execute, in order.
    pub fn step(&mut self, now_ms: u64, event: Event<T, E>) -> Vec<Effect<T, E>> {
        self.feed(now_ms, event);
        core::mem::take(&mut self.out)
    }

    /// [`Machine::start`] with the effects left in the machine's queue, taken one at a time
    /// with [`Machine::take_effect`] (the browser layer: no second queue, no copying).
    pub fn open(&mut self, now_ms: u64) {
        self.now = now_ms;
        if self.sync || self.change != Change::None {
            self.begin();
        }
    }

    /// [`Machine::step`] with the effects queued after those not yet taken.
    pub fn feed(&mut self, now_ms: u64, event: Event<T, E>) {
        self.now = now_ms;
        self.on(event);
    }

    /// The first effect queued by [`Machine::open`] and [`Machine::feed`] and not yet taken.
    pub fn take_effect(&mut self) -> Option<Effect<T, E>> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.remove(0))
        }
    }

    fn persisted(&self) -> bool {
        self.store != Store::Memory
    }

    fn shared(&self) -> bool {
        self.store == Store::Shared
    }

    fn next(&self, force: bool) -> NextStep {
        let held = self
            .tokens
            .as_ref()
            .map(|t| (t.expires_at(), t.refresh_token().is_some()));
        next_step_of(held, self.now, self.skew_seconds, force)
    }

    fn on(&mut self, event: Event<T, E>) {
        match event {
            Event::GetToken { caller, force } => self.get(caller, force),
            Event::SetTokens(t) => {
                self.replace(t, None);
                self.mark(Change::Set);
                if self.shared() && matches!(self.phase, Phase::Idle) {
                    // Nothing to send: written at once, without the lock, if the store still
                    // holds what this tab saw there (else through the lock, below).
                    self.write(false);
                } else {
                    self.begin_if_idle();
                }
            }
            Event::SignOut { caller } => {
                if let Some(t) = self.tokens.clone() {
                    self.victims.push(t);
                }
                self.replace(None, None);
                self.leaving.push(caller);
                if self.persisted() {
                    self.mark(Change::Clear);
                    self.begin_if_idle();
                } else {
                    self.flush_victims();
                    self.settle_sign_outs();
                }
            }
            Event::LockGranted if matches!(self.phase, Phase::Locking) => {
                self.phase = Phase::Reading;
                self.out.push(Effect::ReadStore);
            }
            Event::LockBusy if matches!(self.phase, Phase::Locking) => {
                self.out.push(Effect::StartTimer(LEASE_RETRY_MS));
            }
            Event::TimerFired if matches!(self.phase, Phase::Locking) => {
                self.out.push(Effect::AcquireLock);
            }
            Event::StoreRead(r) => self.read(r),
            Event::StoreWritten(r) => self.written(r),
            Event::StoreChanged => {
                if self.shared() {
                    self.unsaved = false;
                    self.sync = true;
                    self.begin_if_idle();
                }
            }
            Event::RefreshAnswered(new) => {
                let Some((generation, sent)) = self.take_refreshing() else {
                    return;
                };
                if generation == self.generation {
                    self.replace(Some(new), None);
                    self.mark(Change::Derived);
                    self.decide();
                } else {
                    // Too late: the tokens were set anew or signed out meanwhile in this tab
                    // (another tab's set is found by the write, see `written`). What the
                    // answer brought is revoked unless the session holds it (a refresh token
                    // that did not rotate is still `sent`'s, which the app may have kept).
                    self.discard(Some(&new), Some(&sent));
                }
            }
            Event::RefreshFailed {
                error,
                ends_session,
            } => {
                let Some((generation, sent)) = self.take_refreshing() else {
                    return;
                };
                if generation != self.generation {
                    self.decide(); // about tokens no longer held
                } else if !ends_session {
                    self.out
                        .push(Effect::Error(Failure::Request(error.clone())));
                    self.reject_all(&Failure::Request(error));
                    self.decide();
                } else if self.shared() {
                    // Another tab may have stored newer tokens (without Web Locks, refreshes
                    // are not serialized): read the store before ending the session.
                    self.phase = Phase::Rechecking { sent, error };
                    self.out.push(Effect::ReadStore);
                } else {
                    self.end(Failure::Request(error));
                    self.decide();
                }
            }
            Event::RevokeDone(failed) => {
                self.revoking = false;
                if let Some(e) = failed {
                    if !self.batch_failed {
                        self.batch_failed = true;
                        self.out.push(Effect::Error(Failure::Request(e)));
                    }
                }
                self.pump();
                self.after_revocation();
                self.settle_sign_outs();
            }
            // Events that do not fit the phase (e.g. a lock granted after a close) are
            // ignored.
            Event::LockGranted | Event::LockBusy | Event::TimerFired => {}
        }
    }

    /// The refresh out (its generation and tokens), taken out of the phase (`Draining`, a
    /// phase that holds the lock, stands in until the caller sets the next one); `None`, the
    /// phase unchanged, when no refresh is out.
    fn take_refreshing(&mut self) -> Option<(u32, T)> {
        match core::mem::replace(&mut self.phase, Phase::Draining) {
            Phase::Refreshing { generation, sent } => Some((generation, sent)),
            other => {
                self.phase = other;
                None
            }
        }
    }

    /// A write ended (see [`Event::StoreWritten`]).
    fn written(&mut self, r: Result<Option<T>, ()>) {
        let Phase::Writing {
            generation,
            ref wrote,
            locked,
        } = self.phase
        else {
            return;
        };
        let wrote = wrote.clone();
        let current = generation == self.generation;
        match r {
            Ok(old) if self.keeps(old.as_ref()) => {
                if current {
                    self.change = Change::None;
                    self.unsaved = false;
                }
                let overwritten = core::mem::take(&mut self.overwritten);
                self.victims.extend(overwritten);
                self.base = Some(wrote);
                self.store_ok = true;
                if self.shared() {
                    self.out.push(Effect::Broadcast);
                }
            }
            Ok(old) => {
                // Not written: another tab's `setTokens` (written without the lock) came first.
                self.store_ok = true;
                if self.change == Change::Derived {
                    // It wins over this refresh's or expiry's outcome, which is dropped: what
                    // the refresh brought is revoked unless held (a refresh token that did not
                    // rotate is the one of the set that tab replaced), then the callers get
                    // that tab's tokens.
                    let (mine, before) = (self.tokens.clone(), self.base.clone().flatten());
                    self.change = Change::None;
                    self.base = Some(old.clone());
                    self.replace(old, None);
                    self.discard(mine.as_ref(), before.as_ref());
                    return;
                }
                if locked {
                    // This tab's change wins, as over any set it reads.
                    self.phase = Phase::Reading;
                    self.out.push(Effect::ReadStore);
                    return;
                }
            }
            Err(()) => {
                if current {
                    self.change = Change::None;
                    self.unsaved = true;
                }
                self.overwritten.clear();
                self.base = None;
                self.store_ok = false;
                self.out.push(Effect::Error(Failure::StorageUnavailable));
            }
        }
        if locked {
            self.decide();
        } else {
            // A set written at once: what is left (a set not written, callers, another
            // tab's notice) goes through the lock.
            self.phase = Phase::Idle;
            if self.change != Change::None || self.sync || !self.waiters.is_empty() {
                self.begin();
            } else {
                self.flush_victims();
                self.settle_sign_outs();
            }
        }
    }

    /// A refresh's result that is not kept: what it holds that neither the session nor
    /// `other` does is revoked, then the callers are answered.
    fn discard(&mut self, result: Option<&T>, other: Option<&T>) {
        if let Some(t) = result {
            let current = self.tokens.clone();
            self.revoke_unheld(t, &[current.as_ref(), other]);
        }
        self.phase = Phase::Draining;
        self.after_revocation();
    }

    /// Whether the write under way is done on a store that holds `stored` (js/session.js
    /// asks inside the write's transaction): a shared store is written only while it holds
    /// what this tab last read or wrote there, so a set another tab wrote without the lock is
    /// never overwritten unseen. Unknown (a store that failed): written.
    pub fn keeps(&self, stored: Option<&T>) -> bool {
        !self.shared() || self.knows(stored) != Some(false)
    }

    /// Whether `stored` is what this tab last read or wrote in the store (`None`: unknown).
    fn knows(&self, stored: Option<&T>) -> Option<bool> {
        self.base.as_ref().map(|b| !differ(b.as_ref(), stored))
    }

    /// Writes what memory holds: under the lock (`locked`), or a `setTokens` at once.
    fn write(&mut self, locked: bool) {
        self.phase = Phase::Writing {
            generation: self.generation,
            wrote: self.tokens.clone(),
            locked,
        };
        self.out.push(Effect::WriteStore(self.tokens.clone()));
    }

    /// A change the store must get (a persisted session), the greater one winning.
    fn mark(&mut self, c: Change) {
        if self.persisted() {
            self.change = self.change.max(c);
        }
    }

    fn get(&mut self, caller: Caller, force: bool) {
        let waiter = Waiter {
            caller,
            force,
            generation: self.generation,
        };
        if !self.loaded || self.sync {
            // The store is not read yet, or another tab changed it since: what memory holds
            // may be stale (revoked, signed out), so the store is read first.
            self.waiters.push(waiter);
            self.begin_if_idle();
            return;
        }
        match self.next(force) {
            NextStep::UseToken => self.resolve(caller),
            NextStep::SignIn => {
                if self.tokens.is_some() {
                    self.end(Failure::NotSignedIn);
                    self.begin_if_idle();
                }
                self.out.push(Effect::Reject(caller, Failure::NotSignedIn));
            }
            NextStep::Refresh => {
                self.waiters.push(waiter);
                self.begin_if_idle();
            }
        }
    }

    fn resolve(&mut self, caller: Caller) {
        let at = self.tokens.as_ref().map(|t| String::from(t.access_token()));
        self.out.push(match at {
            Some(at) => Effect::Resolve(caller, at),
            None => Effect::Reject(caller, Failure::NotSignedIn),
        });
    }

    /// Replaces the tokens held; tells `onChange` (and `onSignedOut` when they went).
    fn replace(&mut self, t: Option<T>, why: Option<Failure<E>>) {
        let had = self.tokens.is_some();
        let changed = differ(self.tokens.as_ref(), t.as_ref()) || t.is_some();
        self.tokens = t;
        self.generation += 1;
        if changed {
            self.out.push(Effect::Changed(self.tokens.clone()));
        }
        if had && self.tokens.is_none() {
            self.out.push(Effect::SignedOut(why));
        }
    }

    /// The session ends (the grant is over): callers waiting get `why`.
    fn end(&mut self, why: Failure<E>) {
        self.replace(None, Some(why.clone()));
        self.mark(Change::Derived);
        self.reject_all(&why);
    }

    fn reject_all(&mut self, why: &Failure<E>) {
        for w in &core::mem::take(&mut self.waiters) {
            self.out.push(Effect::Reject(w.caller, why.clone()));
        }
    }

    fn begin_if_idle(&mut self) {
        if matches!(self.phase, Phase::Idle) {
            self.begin();
        }
    }

    /// Starts a round: under the lock when shared (read, then decide); a tab's own store is
    /// read once, at the start; memory decides at once.
    fn begin(&mut self) {
        if self.shared() {
            self.phase = Phase::Locking;
            self.out.push(Effect::AcquireLock);
        } else if self.sync {
            self.phase = Phase::Reading;
            self.out.push(Effect::ReadStore);
        } else {
            self.decide();
        }
    }

    fn read(&mut self, r: Result<Option<T>, ()>) {
        // Taken out (the phase is set again below); `Draining` stands in meanwhile, a phase
        // that holds the lock like these two.
        match core::mem::replace(&mut self.phase, Phase::Draining) {
            Phase::Reading => {
                self.sync = false;
                let first = !self.loaded;
                self.loaded = true;
                match r {
                    Ok(stored) => {
                        self.store_ok = true;
                        if self.unsaved {
                            self.mark(Change::Set);
                        }
                        let known = self.knows(stored.as_ref()) == Some(true);
                        if self.change == Change::Derived && !known {
                            // An expiry's outcome (the session ended) is about the set this
                            // tab saw; another set stored since wins over it.
                            self.change = Change::None;
                        }
                        if self.change != Change::None {
                            // This tab's change wins. A set this tab did not know the store
                            // held (another tab's, or one stored before this tab read the
                            // store), or any set for a sign-out, is overwritten: revoke it,
                            // unless this tab holds its tokens.
                            if let (true, Some(s)) = (self.shared(), &stored) {
                                if (self.change == Change::Clear || !known)
                                    && !self
                                        .victims
                                        .iter()
                                        .chain(&self.overwritten)
                                        .any(|v| v.same(s))
                                {
                                    self.overwritten.push(s.clone());
                                }
                            }
                        } else if first {
                            // The session as stored: adopted silently (nothing changed).
                            self.tokens = stored.clone();
                            self.generation += 1;
                        } else if differ(self.tokens.as_ref(), stored.as_ref()) {
                            self.replace(stored.clone(), None);
                        }
                        self.base = Some(stored);
                    }
                    Err(()) => self.store_failed(),
                }
                if first {
                    // Callers that came before the store was read asked about what it holds.
                    for w in &mut self.waiters {
                        w.generation = self.generation;
                    }
                }
                self.decide();
            }
            Phase::Rechecking { sent, error } => {
                match r {
                    Ok(Some(s)) if !s.same(&sent) && self.change == Change::None => {
                        self.base = Some(Some(s.clone()));
                        self.replace(Some(s), None);
                    }
                    other => {
                        if other.is_err() {
                            self.store_failed();
                        }
                        self.end(Failure::Request(error));
                    }
                }
                self.decide();
            }
            other => self.phase = other,
        }
    }

    fn store_failed(&mut self) {
        self.base = None;
        if self.store_ok {
            self.store_ok = false;
            self.out.push(Effect::Error(Failure::StorageUnavailable));
        }
    }

    /// Holding the lock (or needing none): write what must be written, answer the callers,
    /// refresh when one needs it, else release.
    fn decide(&mut self) {
        loop {
            if self.change != Change::None {
                self.write(true);
                return;
            }
            self.flush_victims();
            if self.sync && self.shared() {
                // Another tab's change is on its way: read it before answering anyone.
                self.out.push(Effect::ReleaseLock);
                self.phase = Phase::Idle;
                self.begin();
                return;
            }
            let mut refresh = false;
            for w in &core::mem::take(&mut self.waiters) {
                let force = w.force && w.generation == self.generation;
                match self.next(force) {
                    NextStep::UseToken => self.resolve(w.caller),
                    NextStep::SignIn => {
                        if self.tokens.is_some() {
                            self.end(Failure::NotSignedIn);
                        }
                        self.out
                            .push(Effect::Reject(w.caller, Failure::NotSignedIn));
                    }
                    NextStep::Refresh => {
                        refresh = true;
                        self.waiters.push(*w);
                    }
                }
            }
            if self.change != Change::None {
                continue; // a session that ended while answering: store that first
            }
            if let (true, Some(t)) = (refresh, self.tokens.clone()) {
                self.phase = Phase::Refreshing {
                    generation: self.generation,
                    sent: t.clone(),
                };
                self.out.push(Effect::SendRefresh(t));
                return;
            }
            break;
        }
        if self.shared() && !matches!(self.phase, Phase::Idle) {
            self.out.push(Effect::ReleaseLock);
        }
        self.phase = Phase::Idle;
        self.settle_sign_outs();
    }

    /// Queues the revocation of what `t` holds and none of `kept` does (refresh token first).
    fn revoke_unheld(&mut self, t: &T, kept: &[Option<&T>]) {
        let mut first = true;
        for &(token, refresh_token) in &[(t.refresh_token(), true), (Some(t.access_token()), false)]
        {
            let Some(token) = token else { continue };
            let held = kept.iter().flatten().any(|k| {
                if refresh_token {
                    k.refresh_token() == Some(token)
                } else {
                    k.access_token() == token
                }
            });
            if !held && !token.is_empty() {
                self.revocations.push(Revocation {
                    token: String::from(token),
                    refresh_token,
                    first,
                });
                first = false;
            }
        }
        self.pump();
    }

    fn flush_victims(&mut self) {
        let current = self.tokens.clone();
        for v in &core::mem::take(&mut self.victims) {
            self.revoke_unheld(v, &[current.as_ref()]);
        }
    }

    /// Sends the next revocation, one at a time.
    fn pump(&mut self) {
        if self.revoking {
            return;
        }
        if !self.revocations.is_empty() {
            let r = self.revocations.remove(0);
            if r.first {
                self.batch_failed = false;
            }
            self.revoking = true;
            self.out.push(Effect::Revoke {
                token: r.token,
                refresh_token: r.refresh_token,
            });
        }
    }

    fn after_revocation(&mut self) {
        if matches!(self.phase, Phase::Draining) && !self.revoking {
            self.decide();
        }
    }

    /// Answers `signOut()` callers once the store no longer holds the session and its tokens
    /// are revoked.
    fn settle_sign_outs(&mut self) {
        if self.change == Change::None
            && self.victims.is_empty()
            && !self.revoking
            && self.revocations.is_empty()
            && !matches!(
                self.phase,
                Phase::Writing { .. } | Phase::Locking | Phase::Reading
            )
        {
            for &c in &core::mem::take(&mut self.leaving) {
                self.out.push(Effect::Done(c));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! One tab, event by event (the tabs together: tests/interleavings.rs).
    use super::*;
    use alloc::vec;

    #[derive(Clone, Debug, PartialEq)]
    struct T(&'static str, Option<&'static str>, Option<u64>);

    impl Tokens for T {
        fn access_token(&self) -> &str {
            self.0
        }
        fn refresh_token(&self) -> Option<&str> {
            self.1
        }
        fn expires_at(&self) -> Option<u64> {
            self.2
        }
        fn same(&self, o: &Self) -> bool {
            self == o
        }
    }

    type M = Machine<T, &'static str>;
    type F = Effect<T, &'static str>;
    const NOW: u64 = 1_000_000;
    const EXPIRED: T = T("at0", Some("rt0"), Some(0));
    const FRESH: T = T("at1", Some("rt1"), None);

    /// `getAccessToken({ forceRefresh: force })` of `caller`.
    fn get(caller: Caller, force: bool) -> Event<T, &'static str> {
        Event::GetToken { caller, force }
    }

    fn revoke(token: &str, refresh_token: bool) -> F {
        Effect::Revoke {
            token: token.into(),
            refresh_token,
        }
    }

    #[test]
    fn feed_and_take_effect_queue_what_start_and_step_return() {
        let events = || {
            [
                get(1, false),
                Event::SignOut { caller: 2 },
                Event::RevokeDone(Some("offline")),
                Event::RefreshAnswered(FRESH),
                Event::RevokeDone(None),
            ]
        };
        let mut a = M::new(Store::Shared, 60, Some(EXPIRED));
        let mut stepped = a.start(NOW);
        stepped.extend(a.step(NOW, Event::LockGranted));
        stepped.extend(a.step(NOW, Event::StoreRead(Ok(None))));
        stepped.extend(a.step(NOW, Event::StoreWritten(Ok(None))));
        for e in events() {
            stepped.extend(a.step(NOW, e));
        }
        let mut b = M::new(Store::Shared, 60, Some(EXPIRED));
        b.open(NOW);
        // Two events fed before any effect is taken: their effects queue in order.
        b.feed(NOW, Event::LockGranted);
        b.feed(NOW, Event::StoreRead(Ok(None)));
        let mut queued = vec![];
        while let Some(f) = b.take_effect() {
            queued.push(f);
        }
        b.feed(NOW, Event::StoreWritten(Ok(None)));
        for e in events() {
            b.feed(NOW, e);
        }
        while let Some(f) = b.take_effect() {
            queued.push(f);
        }
        assert!(stepped.len() > 5, "{stepped:?}");
        assert_eq!(queued, stepped);
        assert_eq!(a, b);
    }

    #[test]
    fn a_fresh_token_is_handed_out_at_once_and_callers_share_one_refresh() {
        let mut m = M::new(Store::Memory, 60, Some(FRESH));
        assert!(m.start(NOW).is_empty());
        assert_eq!(
            m.step(NOW, get(1, false)),
            vec![Effect::Resolve(1, "at1".into())]
        );
        assert_eq!(m.step(NOW, get(2, true)), vec![Effect::SendRefresh(FRESH)]);
        assert!(
            m.step(NOW, get(3, true)).is_empty(),
            "shares the refresh out"
        );
        let new = T("at2", Some("rt2"), None);
        assert_eq!(
            m.step(NOW, Event::RefreshAnswered(new.clone())),
            vec![
                Effect::Changed(Some(new)),
                Effect::Resolve(2, "at2".into()),
                Effect::Resolve(3, "at2".into())
            ]
        );
        assert!(m.is_quiet());
    }

    #[test]
    fn a_refusal_ends_the_session_and_a_network_failure_keeps_it() {
        let mut m = M::new(Store::Memory, 60, Some(EXPIRED));
        m.start(NOW);
        let ask = get(1, false);
        assert_eq!(m.step(NOW, ask.clone()), vec![Effect::SendRefresh(EXPIRED)]);
        let failed = |ends_session| Event::RefreshFailed {
            error: "e",
            ends_session,
        };
        assert_eq!(
            m.step(NOW, failed(false)),
            vec![
                Effect::Error(Failure::Request("e")),
                Effect::Reject(1, Failure::Request("e"))
            ]
        );
        assert_eq!(m.tokens(), Some(&EXPIRED));
        m.step(NOW, ask);
        assert_eq!(
            m.step(NOW, failed(true)),
            vec![
                Effect::Changed(None),
                Effect::SignedOut(Some(Failure::Request("e"))),
                Effect::Reject(1, Failure::Request("e"))
            ]
        );
        assert_eq!(m.tokens(), None);
    }

    #[test]
    fn a_sign_out_during_a_refresh_revokes_both_sets_and_drops_the_late_answer() {
        let mut m = M::new(Store::Memory, 60, Some(EXPIRED));
        m.start(NOW);
        m.step(NOW, get(1, false));
        assert_eq!(
            m.step(NOW, Event::SignOut { caller: 2 }),
            vec![
                Effect::Changed(None),
                Effect::SignedOut(None),
                revoke("rt0", true)
            ]
        );
        assert_eq!(
            m.step(NOW, Event::RevokeDone(Some("offline"))),
            vec![
                Effect::Error(Failure::Request("offline")),
                revoke("at0", false)
            ]
        );
        // The batch's second failure is not reported again.
        assert_eq!(
            m.step(NOW, Event::RevokeDone(Some("offline"))),
            vec![Effect::Done(2)]
        );
        // The late answer: its tokens are revoked before the caller is told.
        assert_eq!(
            m.step(NOW, Event::RefreshAnswered(FRESH)),
            vec![revoke("rt1", true)]
        );
        assert_eq!(
            m.step(NOW, Event::RevokeDone(None)),
            vec![revoke("at1", false)]
        );
        assert_eq!(
            m.step(NOW, Event::RevokeDone(None)),
            vec![Effect::Reject(1, Failure::NotSignedIn)]
        );
        assert_eq!(m.tokens(), None);
        assert!(m.is_quiet());
    }

    #[test]
    fn a_shared_session_reads_the_store_under_the_lock_and_a_failing_store_does_not_sign_out() {
        let mut m = M::new(Store::Shared, 60, None);
        assert_eq!(m.start(NOW), vec![Effect::AcquireLock]);
        assert!(m.step(NOW, get(1, false)).is_empty());
        assert_eq!(m.step(NOW, Event::LockGranted), vec![Effect::ReadStore]);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(FRESH)))),
            vec![Effect::Resolve(1, "at1".into()), Effect::ReleaseLock]
        );
        // Another tab's notice: the store is read before the next answer.
        assert_eq!(m.step(NOW, Event::StoreChanged), vec![Effect::AcquireLock]);
        m.step(NOW, get(2, false));
        m.step(NOW, Event::LockGranted);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Err(()))),
            vec![
                Effect::Error(Failure::StorageUnavailable),
                Effect::Resolve(2, "at1".into()),
                Effect::ReleaseLock
            ]
        );
        // A set is written at once, without the lock (nothing is sent). A write that fails:
        // reported, the tokens stay.
        assert_eq!(
            m.step(NOW, Event::SetTokens(Some(EXPIRED))),
            vec![
                Effect::Changed(Some(EXPIRED)),
                Effect::WriteStore(Some(EXPIRED))
            ]
        );
        let fx = m.step(NOW, Event::StoreWritten(Err(())));
        assert_eq!(fx, vec![Effect::Error(Failure::StorageUnavailable)]);
        assert_eq!(m.tokens(), Some(&EXPIRED));
        assert!(m.is_quiet());
    }

    #[test]
    fn a_refused_refresh_adopts_newer_tokens_another_tab_stored_before_ending() {
        // Unlocked (no Web Locks, no lease): another tab refreshed first and stored FRESH.
        let mut m = M::new(Store::Shared, 60, None);
        m.start(NOW);
        m.step(NOW, Event::LockGranted);
        m.step(NOW, Event::StoreRead(Ok(Some(EXPIRED))));
        m.step(NOW, get(1, false));
        m.step(NOW, Event::LockGranted);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(EXPIRED)))),
            vec![Effect::SendRefresh(EXPIRED)]
        );
        let refused = Event::RefreshFailed {
            error: "invalid_grant",
            ends_session: true,
        };
        assert_eq!(m.step(NOW, refused.clone()), vec![Effect::ReadStore]);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(FRESH)))),
            vec![
                Effect::Changed(Some(FRESH)),
                Effect::Resolve(1, "at1".into()),
                Effect::ReleaseLock
            ]
        );
        // Refused again with nothing newer stored: the session ends.
        m.step(NOW, get(2, true));
        m.step(NOW, Event::LockGranted);
        m.step(NOW, Event::StoreRead(Ok(Some(FRESH))));
        m.step(NOW, refused);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(FRESH)))),
            vec![
                Effect::Changed(None),
                Effect::SignedOut(Some(Failure::Request("invalid_grant"))),
                Effect::Reject(2, Failure::Request("invalid_grant")),
                Effect::WriteStore(None)
            ]
        );
    }

    #[test]
    fn without_web_locks_the_lease_is_retried_after_a_named_delay() {
        let mut m = M::new(Store::Shared, 60, None);
        m.start(NOW);
        assert_eq!(
            m.step(NOW, Event::LockBusy),
            vec![Effect::StartTimer(LEASE_RETRY_MS)]
        );
        assert_eq!(m.step(NOW, Event::TimerFired), vec![Effect::AcquireLock]);
        assert_eq!(m.step(NOW, Event::LockGranted), vec![Effect::ReadStore]);
    }

    #[test]
    fn a_tab_store_is_read_at_the_start_and_written_on_change() {
        let mut m = M::new(Store::Tab, 60, None);
        assert_eq!(m.start(NOW), vec![Effect::ReadStore]);
        assert!(
            m.step(NOW, Event::StoreRead(Ok(Some(FRESH)))).is_empty(),
            "silently"
        );
        assert_eq!(m.tokens(), Some(&FRESH));
        assert_eq!(
            m.step(NOW, Event::SetTokens(None)),
            vec![
                Effect::Changed(None),
                Effect::SignedOut(None),
                Effect::WriteStore(None)
            ]
        );
        assert!(m.step(NOW, Event::StoreWritten(Ok(None))).is_empty());
        assert!(m.is_quiet());
    }

    /// A shared session that read `stored`, with the store quiet.
    fn loaded(stored: T) -> M {
        let mut m = M::new(Store::Shared, 60, None);
        m.start(NOW);
        m.step(NOW, Event::LockGranted);
        m.step(NOW, Event::StoreRead(Ok(Some(stored))));
        assert!(m.is_quiet());
        m
    }

    const NEW: T = T("at-new", Some("rt-new"), None);
    const RESULT: T = T("at2", Some("rt2"), None);
    const OTHER: T = T("at-o", Some("rt-o"), None);

    #[test]
    fn a_set_is_written_at_once_over_what_this_tab_saw_else_through_the_lock() {
        let mut m = loaded(FRESH);
        assert_eq!(
            m.step(NOW, Event::SetTokens(Some(NEW))),
            vec![Effect::Changed(Some(NEW)), Effect::WriteStore(Some(NEW))],
            "no lock: nothing is sent"
        );
        // The write's transaction asks: only over what this tab last saw there.
        assert!(m.keeps(Some(&FRESH)));
        assert!(!m.keeps(Some(&OTHER)) && !m.keeps(None));
        assert_eq!(
            m.step(NOW, Event::StoreWritten(Ok(Some(FRESH)))),
            vec![Effect::Broadcast]
        );
        assert!(m.is_quiet());
        assert!(m.keeps(Some(&NEW)), "the store holds what it wrote");
        // Another tab stored OTHER meanwhile: not written; under the lock this tab's set wins
        // and OTHER, which it did not know, is revoked once it is overwritten.
        let set = T("at3", Some("rt3"), None);
        m.step(NOW, Event::SetTokens(Some(set.clone())));
        assert_eq!(
            m.step(NOW, Event::StoreWritten(Ok(Some(OTHER)))),
            vec![Effect::AcquireLock]
        );
        assert_eq!(m.step(NOW, Event::LockGranted), vec![Effect::ReadStore]);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(OTHER)))),
            vec![Effect::WriteStore(Some(set.clone()))]
        );
        assert!(m.keeps(Some(&OTHER)));
        assert_eq!(
            m.step(NOW, Event::StoreWritten(Ok(Some(OTHER)))),
            vec![Effect::Broadcast, revoke("rt-o", true), Effect::ReleaseLock]
        );
        assert_eq!(
            m.step(NOW, Event::RevokeDone(None)),
            vec![revoke("at-o", false)]
        );
        m.step(NOW, Event::RevokeDone(None));
        assert!(m.is_quiet());
        assert_eq!(m.tokens(), Some(&set));
        // A tab's own store is never conditional.
        let m = M::new(Store::Tab, 60, None);
        assert!(m.keeps(Some(&OTHER)));
    }

    #[test]
    fn a_set_another_tab_stored_during_this_tabs_refresh_wins_and_the_result_is_revoked() {
        let mut m = loaded(FRESH);
        m.step(NOW, get(1, true));
        m.step(NOW, Event::LockGranted);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(FRESH)))),
            vec![Effect::SendRefresh(FRESH)]
        );
        // Another tab's setTokens stores NEW without the lock; its notice comes.
        assert!(m.step(NOW, Event::StoreChanged).is_empty());
        assert_eq!(
            m.step(NOW, Event::RefreshAnswered(RESULT)),
            vec![
                Effect::Changed(Some(RESULT)),
                Effect::WriteStore(Some(RESULT))
            ]
        );
        assert!(!m.keeps(Some(&NEW)), "the result goes only over FRESH");
        // Not written: NEW is adopted, the result revoked before the caller gets NEW's token.
        assert_eq!(
            m.step(NOW, Event::StoreWritten(Ok(Some(NEW)))),
            vec![Effect::Changed(Some(NEW)), revoke("rt2", true)]
        );
        assert_eq!(
            m.step(NOW, Event::RevokeDone(None)),
            vec![revoke("at2", false)]
        );
        // The notice: the store is read again before the answer.
        assert_eq!(
            m.step(NOW, Event::RevokeDone(None)),
            vec![Effect::ReleaseLock, Effect::AcquireLock]
        );
        m.step(NOW, Event::LockGranted);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(NEW)))),
            vec![Effect::Resolve(1, "at-new".into()), Effect::ReleaseLock]
        );
        assert!(m.is_quiet());
    }

    #[test]
    fn a_session_that_expired_here_adopts_a_set_another_tab_stored_instead_of_clearing_it() {
        // Expired without a refresh token: the session ends, then the store is read under the
        // lock. Another tab's new sign-in is there: adopted, neither overwritten nor revoked.
        let expired = T("at0", None, Some(0));
        let mut m = loaded(expired);
        let fx = m.step(NOW, get(1, false));
        assert_eq!(
            fx,
            vec![
                Effect::Changed(None),
                Effect::SignedOut(Some(Failure::NotSignedIn)),
                Effect::AcquireLock,
                Effect::Reject(1, Failure::NotSignedIn)
            ]
        );
        m.step(NOW, Event::LockGranted);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(NEW)))),
            vec![Effect::Changed(Some(NEW)), Effect::ReleaseLock]
        );
        assert!(m.is_quiet());
        assert_eq!(m.tokens(), Some(&NEW));
        // With the set it saw still stored, the end is written.
        let mut m = loaded(T("at0", None, Some(0)));
        m.step(NOW, get(1, false));
        m.step(NOW, Event::LockGranted);
        assert_eq!(
            m.step(NOW, Event::StoreRead(Ok(Some(T("at0", None, Some(0)))))),
            vec![Effect::WriteStore(None)]
        );
    }
}
