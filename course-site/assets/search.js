/**
 * The search box of the index page: every section of every lesson (window.GRADSCOPE_SEARCH, written by
 * course-site/render.py into assets/search-index.js) filtered by the words typed, all of which must occur.
 * Works from the file system too: nothing is fetched.
 */
(function search() {
  'use strict';
  var sections = window.GRADSCOPE_SEARCH || [];
  var input = document.getElementById('gs-search-page');
  var results = document.getElementById('gs-search-results');
  var status = document.getElementById('gs-search-status');
  var index = document.getElementById('gs-index');

  function snippet(text, word) {
    var at = text.toLowerCase().indexOf(word);
    if (at < 0) return text.slice(0, 160);
    var start = Math.max(0, at - 60);
    return (start > 0 ? '… ' : '') + text.slice(start, at + 100) + ' …';
  }

  function show(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    results.textContent = '';
    index.hidden = words.length > 0;
    if (!words.length) { status.textContent = ''; return; }
    var found = sections.filter(function matches(s) {
      var hay = (s.lesson + ' ' + s.heading + ' ' + s.text).toLowerCase();
      return words.every(function has(w) { return hay.indexOf(w) >= 0; });
    });
    status.textContent = found.length + (found.length === 1 ? ' section matches' : ' sections match');
    found.slice(0, 100).forEach(function add(s) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = s.page + '#' + s.anchor;
      link.textContent = s.lesson + ' › ' + s.heading;
      var text = document.createElement('p');
      text.textContent = snippet(s.text, words[0]);
      item.appendChild(link);
      item.appendChild(text);
      results.appendChild(item);
    });
  }

  var query = new URLSearchParams(window.location.search).get('q') || '';
  input.value = query;
  input.addEventListener('input', function typed() { show(input.value); });
  show(query);
})();
