/** The transfer dialog: an agent (with their load) or a team, and a note for whoever takes over. */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useConsole, useConsoleState } from '../hooks.js';
import type { MessageKey } from '../i18n.js';
import type { TransferTargets } from '../protocol.js';
import { Avatar } from './common.js';
import { CloseIcon } from './icons.js';

/** Opens over the conversation; Esc or Cancel closes it and gives focus back. */
export function TransferDialog({ conversationId, onClose }: { conversationId: string; onClose: () => void }): JSX.Element {
  const { t, controller } = useConsole();
  const state = useConsoleState();
  const [target, setTarget] = useState<string>('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  // With @kefu/plugin-workspace: live loads and free seats per agent and team; else the agent list.
  const [targets, setTargets] = useState<TransferTargets>();
  useEffect(() => {
    void controller.api.transferTargets().then(setTargets, () => undefined);
  }, []);
  const agents = targets?.agents ?? state.agents.filter((a) => a.id !== state.me?.id);
  const teams = targets?.teams ?? state.teams.map((team) => ({ ...team, members: undefined, online: undefined, free: undefined }));
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('input, textarea, button')?.focus();
    return () => previous?.focus();
  }, []);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!target) return;
    setBusy(true);
    const [kind, id] = target.split(':') as ['agent' | 'team', string];
    const ok = await controller.transfer(conversationId, { ...(kind === 'agent' ? { agentId: id } : { teamId: id }), ...(note.trim() ? { note: note.trim() } : {}) });
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="transfer-title" ref={ref} onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), onClose())}>
        <form onSubmit={(e) => void submit(e)}>
          <header class="dialog-head">
            <h2 id="transfer-title">{t('transfer.title')}</h2>
            <button type="button" class="icon-button" onClick={onClose} aria-label={t('transfer.cancel')}>
              <CloseIcon size={16} />
            </button>
          </header>
          {agents.length === 0 && teams.length === 0 && <p class="muted">{t('transfer.none')}</p>}
          {agents.length > 0 && (
            <fieldset>
              <legend>{t('transfer.agent')}</legend>
              <ul class="choices">
                {agents.map((a) => {
                  const full = a.load >= a.capacity;
                  return (
                    <li key={a.id}>
                      <label class={`choice ${full ? 'choice-full' : ''}`}>
                        <input type="radio" name="target" value={`agent:${a.id}`} disabled={full} checked={target === `agent:${a.id}`} onChange={() => setTarget(`agent:${a.id}`)} />
                        <Avatar id={a.id} name={a.name} size={28} />
                        <span class="choice-main">
                          <span>{a.name}</span>
                          <span class="muted small">
                            <span class={`presence-dot presence-${a.presence}`} aria-hidden="true" /> {t(`presence.${a.presence}` as MessageKey)}
                          </span>
                        </span>
                        <span class="load" title={t('transfer.load', { load: a.load, capacity: a.capacity })}>
                          <span class="load-bar"><span style={{ width: `${Math.min(100, (a.load / Math.max(1, a.capacity)) * 100)}%` }} /></span>
                          <span class="small">{full ? t('transfer.full') : t('transfer.load', { load: a.load, capacity: a.capacity })}</span>
                          {!full && <span class="small free">{t('ws.transfer.free', { n: a.capacity - a.load })}</span>}
                        </span>
                      </label>
                    </li>
                  );
                })}
              </ul>
            </fieldset>
          )}
          {teams.length > 0 && (
            <fieldset>
              <legend>{t('transfer.team')}</legend>
              <ul class="choices">
                {teams.map((team) => (
                  <li key={team.id}>
                    <label class="choice">
                      <input type="radio" name="target" value={`team:${team.id}`} checked={target === `team:${team.id}`} onChange={() => setTarget(`team:${team.id}`)} />
                      <span class="choice-main">
                        <span>{team.name}</span>
                        {team.online !== undefined && <span class="muted small">{t('ws.transfer.teamFree', { online: team.online, free: team.free ?? 0 })}</span>}
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
          )}
          <label class="field">
            <span>{t('transfer.note')}</span>
            <textarea rows={3} value={note} placeholder={t('transfer.notePlaceholder')} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          <footer class="dialog-foot">
            <button type="button" class="btn" onClick={onClose}>
              {t('transfer.cancel')}
            </button>
            <button type="submit" class="btn btn-primary" disabled={!target || busy}>
              {t('transfer.submit')}
            </button>
          </footer>
        </form>
      </div>
    </div>
  );
}
