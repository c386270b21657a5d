export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends one message, or rejects; the caller retries. */
export interface Mailer {
  readonly kind: string;
  send(message: MailMessage): Promise<void>;
  close(): void;
}
