// Form fields shared by the inference, compare and study pages: targets and sampling parameters.
import { isTicked, formValue, type FormValues } from './form-values';

export interface ProviderOption {
  name: string;
  label: string;
  models: string[];
  defaultModel: string;
}

/** Provider dropdown; changing it swaps the model dropdown via htmx (plain HTML still submits both). */
export function ProviderModelFields(props: { providers: ProviderOption[]; selected?: string }) {
  const selected = props.providers.find((p) => p.name === props.selected) ?? props.providers[0]!;
  return (
    <div class="row">
      <label>
        Provider
        <select name="provider" hx-get="/fragments/models" hx-target="#model-field" hx-swap="outerHTML" hx-trigger="change">
          {props.providers.map((p) => (
            <option value={p.name} selected={p.name === selected.name}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <ModelField provider={selected} />
    </div>
  );
}

export function ModelField(props: { provider: ProviderOption }) {
  const listId = `models-${props.provider.name}`;
  return (
    <label id="model-field">
      Model
      <input name="model" list={listId} value={props.provider.defaultModel} required />
      <datalist id={listId}>
        {props.provider.models.map((m) => (
          <option value={m} />
        ))}
      </datalist>
    </label>
  );
}

/** One checkbox per configured provider/model pair: value "provider|model". */
export function TargetCheckboxes(props: { providers: ProviderOption[]; values?: FormValues }) {
  return (
    <fieldset class="targets">
      <legend>Targets</legend>
      {props.providers.flatMap((p) =>
        p.models.map((m, i) => (
          <label class="check">
            <input type="checkbox" name="targets" value={`${p.name}|${m}`} checked={isTicked(props.values, 'targets', `${p.name}|${m}`, p.name === 'echo' && i === 0)} /> {p.name}/{m}
          </label>
        )),
      )}
      <label>
        Other target (provider/model)
        <input name="extra_target" placeholder="openai/gpt-4o" value={formValue(props.values, 'extra_target')} />
      </label>
    </fieldset>
  );
}

/**
 * Temperature, max tokens and seed, any other parameter as JSON, and whether to send names this app
 * does not know (a misspelt one is refused with a suggestion unless that is ticked).
 */
export function ParamFields(props: { values?: FormValues } = {}) {
  const v = (key: string) => formValue(props.values, key);
  return (
    <div class="row">
      <label>
        Temperature
        <input name="temperature" type="number" step="0.1" min="0" max="2" placeholder="default" value={v('temperature')} />
      </label>
      <label>
        Max tokens
        <input name="max_tokens" type="number" min="1" placeholder="default" value={v('max_tokens')} />
      </label>
      <label>
        Seed
        <input name="seed" type="number" placeholder="none" value={v('seed')} />
      </label>
      <label class="grow">
        More parameters (JSON object)
        <input name="more_params" placeholder='{"top_p": 0.9, "top_k": 40}' spellcheck={false} value={v('more_params')} />
      </label>
      <label class="check" title="Without it, a parameter name this app does not know (a typo such as temprature) is refused with a suggestion.">
        <input type="checkbox" name="allow_unknown_params" value="1" checked={isTicked(props.values, 'allow_unknown_params', '1')} /> send parameters this app does not know (provider-specific)
      </label>
    </div>
  );
}

export function PreprocessFields() {
  return (
    <fieldset class="row">
      <legend>Preprocessing (off unless ticked)</legend>
      <label class="check">
        <input type="checkbox" name="whitespace" value="1" /> clean whitespace
      </label>
      <label class="check">
        <input type="checkbox" name="remove_pii" value="1" /> remove emails and phone numbers
      </label>
      <label>
        Truncate to chars
        <input name="max_chars" type="number" min="1" placeholder="no limit" />
      </label>
      <label class="wide">
        Template (must contain {'{user_input}'})
        <input name="template" placeholder="Answer in one word: {user_input}" />
      </label>
    </fieldset>
  );
}
