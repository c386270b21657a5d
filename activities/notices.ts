import type { Notice } from './types';

const money = (minor: number | string, currency: string | number) =>
  `${(Number(minor) / 100).toFixed(2)} ${currency}`;

/** The emails the processes send, as text a client can act on. */
export function renderNotice(
  notice: Notice,
  appUrl: string,
): { to: string; subject: string; text: string } {
  const link = (path: string) => `${appUrl.replace(/\/$/, '')}${path}`;
  switch (notice.template) {
    case 'estimate-sent': {
      const p = notice.params;
      return {
        to: notice.to,
        subject: `Estimate: ${p.title}`,
        text: `You have a new estimate, "${p.title}".\nReview and approve or reject it: ${link(`/estimates/${p.estimateId}`)}\nIt is valid until ${p.expiresAt}.`,
      };
    }
    case 'estimate-reminder': {
      const p = notice.params;
      return {
        to: notice.to,
        subject: `Reminder: estimate "${p.title}" expires soon`,
        text: `The estimate "${p.title}" expires at ${p.expiresAt}.\n${link(`/estimates/${p.estimateId}`)}`,
      };
    }
    case 'invoice-issued': {
      const p = notice.params;
      return {
        to: notice.to,
        subject: `Invoice for ${money(p.amount, p.currency)}`,
        text: `An invoice of ${money(p.amount, p.currency)} is due by ${p.dueAt}.\nPay it here: ${link(`/invoices/${p.invoiceId}`)}`,
      };
    }
    case 'invoice-reminder': {
      const p = notice.params;
      return {
        to: notice.to,
        subject: `Reminder: ${money(p.amountDue, p.currency)} due`,
        text: `${money(p.amountDue, p.currency)} is still due by ${p.dueAt}.\n${link(`/invoices/${p.invoiceId}`)}`,
      };
    }
    case 'invoice-overdue': {
      const p = notice.params;
      return {
        to: notice.to,
        subject: 'Invoice overdue',
        text: `The invoice due ${p.dueAt} is overdue. You can still pay it: ${link(`/invoices/${p.invoiceId}`)}`,
      };
    }
    case 'payment-receipt': {
      const p = notice.params;
      return {
        to: notice.to,
        subject: `Payment received: ${money(p.paid, p.currency)}`,
        text: `Thank you: we received ${money(p.paid, p.currency)} for invoice ${p.invoiceId}.`,
      };
    }
  }
}
