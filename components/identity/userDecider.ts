import type { IdentityCommand, IdentityEvent, UserAdded } from '../../contracts/identity';
import { accept, refuse, type Decider } from '../../platform/decider';

export type UserState = { registered: false } | { registered: true; user: UserAdded };

export const userDecider: Decider<IdentityCommand, IdentityEvent, UserState> = {
  initialState: () => ({ registered: false }),

  decide(command, state) {
    switch (command.type) {
      case 'AddUser':
        if (state.registered)
          return refuse('already_exists', `user ${state.user.auth0Id} is already registered`);
        return accept({ type: 'UserAdded', data: command.data });
      case 'ModifyUser':
        if (!state.registered) return refuse('not_found', 'user is not registered');
        // Recorded even when nothing differs: the caller's request still gets its outcome.
        return accept({ type: 'UserModified', data: command.data });
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'UserAdded':
        return { registered: true, user: event.data };
      case 'UserModified':
        return state.registered
          ? { registered: true, user: { ...state.user, ...event.data } }
          : state;
    }
  },
};
