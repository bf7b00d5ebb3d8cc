/** One option of a ToggleGroup: its value, label, tooltip, and whether it can be chosen. */
export interface ToggleOption<T extends string> {
  value: T;
  label: string;
  title?: string;
  disabled?: boolean;
}

/** A row of small buttons of which one is on (a radio group): the preview's view and drawing mode. */
export function ToggleGroup<T extends string>(props: { label: string; options: ToggleOption<T>[]; value: T; onChange: (v: T) => void; testIdPrefix: string }) {
  const { label, options, value, onChange, testIdPrefix } = props;
  return (
    <div className="segmented segmented--compact" role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.value}
          role="radio"
          aria-checked={value === o.value}
          className={`btn btn--small${value === o.value ? ' is-on' : ''}`}
          disabled={o.disabled}
          onClick={() => onChange(o.value)}
          data-testid={`${testIdPrefix}${o.value}`}
          title={o.title}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}
