// A page loads a list again after each change it makes or hears of. Under load the
// answers can arrive out of order, and an older one (the empty list asked for as the view
// opened) must not replace a newer one (the list with the key just created). Each load
// takes a ticket; only the newest ticket's answer is shown.

/** Returns take(): each call hands out a ticket, a function that says whether no later ticket was taken since. */
export function newestOnly() {
  let taken = 0;
  return () => {
    const mine = ++taken;
    return () => mine === taken;
  };
}
