import { formatEvent, type ServerEvent } from '../../events.js';

/** Events rendered by the server at load; the script adds the live ones on top, keeping this many. */
export const EVENTS_SHOWN = 50;
export const EVENTS_KEPT_IN_PAGE = 200;

const kindOf = (e: ServerEvent) => (e.type === 'control' ? 'control' : e.status >= 400 ? 'error' : 'ok');

export function EventItem(props: { event: ServerEvent }) {
  const e = props.event;
  return (
    <li class={`event ${kindOf(e)}`} data-id={String(e.id)}>
      <time datetime={e.at}>{e.at.slice(11, 23)}</time> <code>{formatEvent(e)}</code>
    </li>
  );
}

/** The live event list, newest first (the console's lines, from GET /control/events/stream). */
export function EventsPanel(props: { events: ServerEvent[]; streamUrl: string; since: number }) {
  const newest = props.events.slice(-EVENTS_SHOWN).reverse();
  return (
    <section id="events" aria-labelledby="events-h">
      <h2 id="events-h">
        Events <span id="stream-status" class="stream-status" aria-live="polite"></span>
      </h2>
      <ol id="event-list" data-stream={props.streamUrl} data-since={String(props.since)} data-kept={String(EVENTS_KEPT_IN_PAGE)} aria-live="off">
        {newest.map((e) => (
          <EventItem event={e} />
        ))}
      </ol>
    </section>
  );
}
