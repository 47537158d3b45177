// The chat's questions on the console: the timetable of the evening (asked, current, upcoming)
// and, before the start, the editor of the questions.

import { errorText, patchSession } from './api';
import type { ChatState } from './chat_state';
import { clear, h } from './dom';
import { t } from './i18n';
import { questionsFromText } from './series_rule';

/** "Questions": each question with where the evening is (asked, current, upcoming). */
export class QuestionsTimetable {
  readonly el: HTMLElement;
  private list = h('ol', { class: 'timetable' });

  constructor(private chat: ChatState) {
    this.el = h('details', { class: 'panel' }, h('summary', {}, t('moderator.questions')), this.list);
  }

  render(): void {
    const chat = this.chat;
    clear(this.list);
    const current = chat.currentRound;
    for (const q of chat.session?.questions ?? []) {
      const state = current !== null && q.round === current ? 'current' : q.round <= chat.maxRoundAsked ? 'asked' : 'upcoming';
      this.list.append(h('li', { class: `tt-${state}` }, h('span', { class: 'badge q' }, `Q${q.round}`), ' ', q.text, h('span', { class: 'muted small' }, ` · ${t(`moderator.q_${state}`)}`)));
    }
  }
}

/**
 * "Edit questions" before the chat starts: PATCH /api/sessions/{id} with the moderator key and
 * `{"questions":[...]}`. Hidden once the chat has started (the server refuses it then). A series'
 * session may have no questions yet: the panel then opens by itself.
 */
export class QuestionsEditor {
  readonly el: HTMLDetailsElement;
  private text = h('textarea', { rows: 6, 'aria-label': t('moderator.questions_label'), 'data-testid': 'questions-text', placeholder: t('moderator.questions_example') });
  private save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'questions-save' }, t('moderator.questions_save'));
  private error = h('p', { class: 'error', 'data-testid': 'questions-error', 'aria-live': 'polite' });
  private saved = h('p', { class: 'muted small', 'data-testid': 'questions-saved', 'aria-live': 'polite' });
  private dirty = false;
  private filledFrom: string | null = null;

  constructor(
    private id: string,
    private key: string,
    private chat: ChatState,
    private onSaved: () => void,
  ) {
    const form = h(
      'form',
      { class: 'questions-form' },
      h('p', { class: 'muted small' }, t('moderator.questions_hint')),
      this.text,
      this.save,
      this.error,
      this.saved,
    );
    this.el = h('details', { class: 'panel questions-panel', 'data-testid': 'edit-questions', hidden: true }, h('summary', {}, t('moderator.edit_questions')), form);
    this.text.addEventListener('input', () => {
      this.dirty = true;
      this.saved.textContent = '';
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
  }

  /** Shown while the chat is scheduled; fills the box from the session unless being edited. */
  update(): void {
    const session = this.chat.session;
    const scheduled = !!session && this.chat.phase?.phase === 'scheduled';
    this.el.hidden = !scheduled;
    if (!session) return;
    const current = session.questions.map((q) => q.text).join('\n');
    if (!this.dirty && current !== this.filledFrom) {
      this.text.value = current;
      this.filledFrom = current;
      if (scheduled && session.questions.length === 0) this.el.open = true;
    }
  }

  private submit(): void {
    const questions = questionsFromText(this.text.value, this.chat.session?.questions ?? []);
    this.error.textContent = '';
    this.saved.textContent = '';
    if (questions.length === 0) {
      this.error.textContent = t('moderator.questions_none');
      return;
    }
    this.save.disabled = true;
    patchSession(this.id, this.key, { questions }).then(
      (res) => {
        this.save.disabled = false;
        this.dirty = false;
        if (this.chat.session && Array.isArray(res?.questions)) this.chat.session.questions = res.questions;
        this.filledFrom = null;
        this.saved.textContent = t('moderator.questions_saved', { n: questions.length });
        this.onSaved();
      },
      (e) => {
        this.save.disabled = false;
        this.error.textContent = t('moderator.questions_error', { reason: errorText(e) });
      },
    );
  }
}
