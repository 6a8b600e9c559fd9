/** Small inline SVG icons (no icon font: nothing to load, crisp at any size). */
import type { JSX } from 'preact';

type IconProps = { size?: number; class?: string; title?: string };

function svg(children: JSX.Element | JSX.Element[], { size = 16, class: cls, title }: IconProps): JSX.Element {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="1.8"
      stroke-linecap="round"
      stroke-linejoin="round"
      class={cls}
      role={title ? 'img' : undefined}
      aria-hidden={title ? undefined : 'true'}
      aria-label={title}
    >
      {children}
    </svg>
  );
}

/** The icon of a channel; unknown channels get a generic bubble. */
export function ChannelIcon({ channel, ...props }: IconProps & { channel: string }): JSX.Element {
  switch (channel) {
    case 'web':
      return svg([<circle cx="12" cy="12" r="9" />, <path d="M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z" />], props);
    case 'wechat':
      return svg([<path d="M9.5 4C5.4 4 2 6.8 2 10.2c0 1.9 1 3.6 2.7 4.7L4 17.5l2.9-1.5c.8.2 1.7.4 2.6.4" />, <path d="M15.5 9.5c3.6 0 6.5 2.4 6.5 5.3 0 1.6-.9 3-2.3 4l.5 2.2-2.4-1.3c-.7.2-1.5.3-2.3.3-3.6 0-6.5-2.4-6.5-5.3s2.9-5.2 6.5-5.2z" />], props);
    case 'email':
      return svg([<rect x="3" y="5" width="18" height="14" rx="2" />, <path d="M3.5 6.5l8.5 6.5 8.5-6.5" />], props);
    case 'phone':
      return svg(<path d="M5 3h3.5l1.7 4.5-2.2 1.4a11 11 0 005.1 5.1l1.4-2.2L19 13.5V17a2 2 0 01-2 2A15 15 0 013 5a2 2 0 012-2z" />, props);
    case 'sms':
      return svg([<path d="M4 5h16v11H9l-5 4z" />, <path d="M8 10h.01M12 10h.01M16 10h.01" />], props);
    default:
      return svg(<path d="M4 5h16v11H9l-5 4z" />, props);
  }
}

export const CloseIcon = (p: IconProps): JSX.Element => svg(<path d="M6 6l12 12M18 6L6 18" />, p);
export const BackIcon = (p: IconProps): JSX.Element => svg(<path d="M15 5l-7 7 7 7" />, p);
export const SendIcon = (p: IconProps): JSX.Element => svg(<path d="M4 12l16-8-6 16-3-7z" />, p);
export const LockIcon = (p: IconProps): JSX.Element => svg([<rect x="5" y="11" width="14" height="9" rx="2" />, <path d="M8 11V8a4 4 0 018 0v3" />], p);
export const UserIcon = (p: IconProps): JSX.Element => svg([<circle cx="12" cy="8" r="4" />, <path d="M4 20c1.5-4 4.5-6 8-6s6.5 2 8 6" />], p);
export const CheckIcon = (p: IconProps): JSX.Element => svg(<path d="M5 12.5l4.5 4.5L19 7.5" />, p);
export const ClockIcon = (p: IconProps): JSX.Element => svg([<circle cx="12" cy="12" r="9" />, <path d="M12 7v5l3 2" />], p);
export const TransferIcon = (p: IconProps): JSX.Element => svg(<path d="M4 8h13l-3-3M20 16H7l3 3" />, p);
export const InboxIcon = (p: IconProps): JSX.Element => svg([<path d="M3 13l3-8h12l3 8v6H3z" />, <path d="M3 13h5l1 2h6l1-2h5" />], p);
export const TagIcon = (p: IconProps): JSX.Element => svg([<path d="M3 12V4h8l9 9-8 8z" />, <circle cx="7.5" cy="8" r="1" />], p);
export const PageIcon = (p: IconProps): JSX.Element => svg([<path d="M6 3h9l4 4v14H6z" />, <path d="M14 3v5h5" />], p);
export const GlobeIcon = (p: IconProps): JSX.Element => svg([<circle cx="12" cy="12" r="9" />, <path d="M3 12h18" />], p);
