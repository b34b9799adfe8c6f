// React bindings: a provider holding one TallyClient, the useCredits() hook, and <CreditBalance>.
// React is a peer dependency: this entry point (`@tally/client/react`) is the only one that
// imports it.

import { createContext, useCallback, useContext, useEffect, useSyncExternalStore, type ReactNode } from "react";
import type { TallyClient } from "./client.js";
import { formatCredits } from "./format.js";
import type { AccountBalance, Balance } from "./types.js";

const TallyContext = createContext<TallyClient | null>(null);

export interface TallyProviderProps {
  client: TallyClient;
  children?: ReactNode;
}

/** Makes `client` the one `useCredits()` and `<CreditBalance>` below it read. */
export function TallyProvider({ client, children }: TallyProviderProps) {
  return <TallyContext.Provider value={client}>{children}</TallyContext.Provider>;
}

/** The TallyClient of the nearest `<TallyProvider>`; throws outside one. */
export function useTallyClient(): TallyClient {
  const client = useContext(TallyContext);
  if (client === null) {
    throw new Error("useCredits() and <CreditBalance> need a <TallyProvider client={…}> above them");
  }

  return client;
}

export interface UseCreditsOptions {
  /** The unit whose balance `balance` is (default the client's `unit`, `credits`). */
  unit?: string;
  /** Keep the balance live over the event stream (default true); false reads it once. */
  live?: boolean;
}

export interface CreditsState {
  /** What the user can spend now in the unit (`available`); null until the first balance arrives. */
  balance: number | null;
  /** That unit's full balance (`available`, `held`, `total`, `nextExpiry`); null until the first. */
  details: Balance | null;
  /** Every unit's balance, the account's frozen flag and seq; null until the first. */
  account: AccountBalance | null;
  /** True until the first balance or error. */
  loading: boolean;
  /** The last failure (reading, or the live stream); null after a success. */
  error: unknown;
  /** True while the live stream is connected: changes show as they commit. */
  live: boolean;
  /** Reads the balance now (an ETag-conditional request). */
  refresh: () => Promise<AccountBalance>;
}

/**
 * The account's balance, kept current: read on mount and then, while mounted, live over the
 * event stream (shared by every component using the same client). Re-renders on each change.
 */
export function useCredits(options: UseCreditsOptions = {}): CreditsState {
  const client = useTallyClient();
  const live = options.live ?? true;
  const unit = options.unit ?? client.unit;
  const subscribe = useCallback(
    (onStoreChange: () => void) => {
      const stopWatching = client.onChange(onStoreChange);
      const unsubscribe = live ? client.subscribe(() => undefined) : () => undefined;
      return () => {
        stopWatching();
        unsubscribe();
      };
    },
    [client, live],
  );
  const snapshot = useSyncExternalStore(subscribe, client.getSnapshot, client.getSnapshot);

  useEffect(() => {
    // The stream's first event is a snapshot too, but a plain read shows the balance where the
    // stream cannot open (a proxy that buffers it) and costs a 304 when nothing changed.
    client.getBalance().catch(() => undefined);
  }, [client]);

  const refresh = useCallback(() => client.getBalance(), [client]);
  const account = snapshot.balance;
  const details = account?.balances.find((b) => b.unit === unit) ?? null;
  return {
    balance: account === null ? null : (details?.available ?? 0),
    details,
    account,
    loading: account === null && snapshot.error === null,
    error: snapshot.error,
    live: snapshot.connection === "open",
    refresh,
  };
}

export interface CreditBalanceProps extends UseCreditsOptions {
  /** Turns the amount into text (default `formatCredits`: `999`, `1.2K`, `3.4M`). */
  format?: (amount: number) => string;
  /** Shown before the first balance (default `…`) and when it could not be read. */
  fallback?: ReactNode;
  className?: string;
}

/**
 * The available balance, shortened the seed's way (`1.2K`), with the exact amount in the
 * `title` and `data-live` telling whether it is live.
 */
export function CreditBalance({ format = formatCredits, fallback = "…", className, ...options }: CreditBalanceProps) {
  const { balance, live } = useCredits(options);
  return (
    <span className={className} title={balance === null ? undefined : String(balance)} data-live={live ? "true" : "false"}>
      {balance === null ? fallback : format(balance)}
    </span>
  );
}
