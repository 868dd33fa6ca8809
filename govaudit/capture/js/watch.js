/* Added to every page of a batch before its scripts run: notes whether the page
   listens for scrolling or observes intersections, i.e. may load content on scroll. */
(() => {
  const state = {seen: false};
  Object.defineProperty(window, '__govauditScroll', {value: state});
  const Observer = window.IntersectionObserver;
  if (Observer) {
    window.IntersectionObserver = new Proxy(Observer, {
      construct(target, args, newTarget) {
        state.seen = true;
        return Reflect.construct(target, args, newTarget);
      },
    });
  }
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if ((type === 'scroll' || type === 'wheel') && (this === window || this === document ||
        this === document.documentElement || this === document.body)) {
      state.seen = true;
    }
    return add.call(this, type, ...rest);
  };
})();
